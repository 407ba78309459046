"""The whole-corpus arms in the update stage: each round and the deletions put their questions to the
arm on the changed corpus, whose keys and values are computed again (from the first changed
document on): those seconds are what absorbing the change cost it."""

from __future__ import annotations

import logging

from core.corpus import Corpus, Question
from eval.assembly import Assembly
from eval.catalogue import ARMS
from eval.scoring.update_rates import answer_probe
from eval.stages.window import does_not_fit

log = logging.getLogger(__name__)


def corpus_arms(parts: Assembly) -> list[str]:
    """The configured arms that read the whole corpus and were run (it fit the window)."""
    return [a for a in parts.cfg.eval.arms if ARMS[a].caches_corpus and a not in parts.not_run]


def reprompt(
    parts: Assembly, corpus: Corpus, probe: list[Question], locality: list[Question], kind: str = "changed"
) -> dict[str, tuple[list[dict], float | None]]:
    """Each whole-corpus arm's probe rows on `corpus`, and the seconds its new opening took to compute
    (what absorbing the change cost it). An arm whose changed corpus no longer fits is left out."""
    out = {}
    for name in corpus_arms(parts):
        answerer = parts.answerer(ARMS[name], corpus=corpus)
        if does_not_fit(answerer, probe + locality):
            log.warning("arm %s: the changed corpus no longer fits the model's window; not measured", name)
            continue
        arm_rows = answer_probe(name, answerer, probe, locality, kind)
        out[name] = (arm_rows, answerer.opening.build_ms / 1000 if answerer.opening else None)
    return out

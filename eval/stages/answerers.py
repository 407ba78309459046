"""Build the Answerer for each arm. Every arm is the shared PromptAnswerer with a passage source
(by the catalogue's `passages`: none, retrieved or gold) and a model (the fine-tuned one when the
catalogue says `tuned`); this is the one place that turns an arm's entry into an answerer."""

from __future__ import annotations

from typing import Callable

from core.answerer import PassageSource, PromptAnswerer
from core.config import ExperimentConfig
from core.corpus import Corpus, Question
from core.prompt import Passage
from eval.catalogue import ARMS


def oracle_source(corpus: Corpus, retriever: PassageSource | None) -> PassageSource:
    """The gold document(s) of each question, whole: the reader's ceiling given perfect retrieval."""
    docs = corpus.by_doc_id()

    def source(questions: list[Question]) -> list[list[Passage]]:
        return [[Passage(d, d, docs[d].title, docs[d].text) for d in q.doc_ids] for q in questions]

    return source


# The catalogue's `passages` -> (corpus, retriever) -> the passage source an arm's prompts read.
PASSAGE_SOURCES: dict[str, Callable[[Corpus, PassageSource | None], PassageSource | None]] = {
    "none": lambda corpus, retriever: None,
    "retrieved": lambda corpus, retriever: retriever,
    "gold": oracle_source,
}


def answerer(cfg: ExperimentConfig, lm, source: PassageSource | None, corpus: Corpus, abstain_below: float | None = None) -> PromptAnswerer:
    """The shared prompt answerer with the configured generation settings and the corpus's house
    style; `abstain_below`: the retrieval-confidence gate (eval/stages/gate.py), for retrieving arms."""
    return PromptAnswerer(
        lm, source, corpus, batch_size=cfg.model.batch_size, max_new_tokens=cfg.model.max_new_tokens, abstain_below=abstain_below
    )


def build_answerers(
    cfg: ExperimentConfig, lm, corpus: Corpus, retriever: PassageSource | None, tuned_lm=None, abstain_below: float | None = None
) -> dict[str, PromptAnswerer]:
    """One answerer per configured arm: (base or tuned model) x (no passages, retrieved, gold); the
    arms that retrieve use the retrieval-confidence gate `abstain_below` (None: no gate)."""
    answerers = {}
    for name in cfg.eval.arms:
        arm = ARMS[name]
        if arm.retrieves and retriever is None:
            raise ValueError(f"the {name} arm needs a retriever")
        if arm.tuned and tuned_lm is None:
            raise ValueError(f"the {name} arm needs the fine-tuned model")
        source = PASSAGE_SOURCES[arm.passages](corpus, retriever)
        answerers[name] = answerer(cfg, tuned_lm if arm.tuned else lm, source, corpus, abstain_below if arm.retrieves else None)
    return answerers


def needs_retriever(cfg: ExperimentConfig) -> bool:
    return any(ARMS[a].retrieves for a in cfg.eval.arms)


def needs_adapter(cfg: ExperimentConfig) -> bool:
    return any(ARMS[a].tuned for a in cfg.eval.arms)

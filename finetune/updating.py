"""Fine-tuning for knowledge updates: train what an update strategy (finetune/strategies.py) says
for a round, and load the tuned model an adapter gives. The update stage (eval/stages/updates.py)
and the workshop's Retrain button (app/workshop/session.py) both absorb changes through these."""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import ExperimentConfig
from core.corpus import Corpus
from core.models import LoadedLM
from core.updates import UpdateRound
from finetune.adapter import load_tuned_lm
from finetune.dataset import has_training_data
from finetune.pipeline import AdapterOutcome, ensure_adapter
from finetune.strategies import Strategy

log = logging.getLogger(__name__)


def train_strategy(
    cfg: ExperimentConfig, lm: LoadedLM, strategy: Strategy, rnd: UpdateRound, corpus: Corpus, current: AdapterOutcome | None, out: Path,
    callbacks=(),
) -> AdapterOutcome:
    """Train what the strategy's plan says for the round: from the base model, or continuing
    `current`. `corpus`: the corpus after the round; `callbacks`: Trainer callbacks (progress)."""
    plan = strategy.plan(corpus, rnd, cfg.run.seed, cfg.updates.replay_facts)
    if not has_training_data(plan.corpus, cfg.finetune) and current is not None:
        # every changed fact withheld (finetune.withhold_facts) and no documents trained on: nothing
        # reaches the weights, and the adapter stays as it was (which the round then measures)
        log.info("%s: nothing to train on in %s; the adapter stays as it was", strategy.name, rnd.name)
        return current
    if not plan.continues:
        return ensure_adapter(cfg, plan.corpus, out, lm, callbacks=callbacks)
    return ensure_adapter(cfg, plan.corpus, out, lm, start_from=current, titles_from=plan.titles_from, callbacks=callbacks)


def tuned_model(cfg: ExperimentConfig, outcome: AdapterOutcome) -> LoadedLM:
    """The base model with this adapter, loaded as the config says (merged or not)."""
    return load_tuned_lm(cfg.model.name, outcome.adapter_dir, device=cfg.model.device, dtype=cfg.model.dtype, merge=cfg.finetune.merge_for_inference)

"""Seeds: the fine-tune arms trained and evaluated once per seed in `run.seeds`, so the report can
say how much of a difference between arms is the luck of one training run.

Retrieval and generation are deterministic (greedy decoding), so only the arms whose weights come
from training (lora, hybrid) are repeated. The first seed is the main run's; every further seed
trains its own adapter in <out>/seeds/seed-<n>/ (reused when its inputs match).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.config_files import with_overrides
from eval.assembly import Assembly
from eval.catalogue import ARMS, CLOSED_BOOK
from eval.stages.experiment import evaluate_experiment
from finetune.pipeline import ensure_adapter

log = logging.getLogger(__name__)


def run_seeds(parts: Assembly, out: Path, main_summary: dict) -> tuple[list[dict], dict]:
    """(prediction rows tagged with their seed, summary part `seeds`) for every seed after the first:
    the main run's parts with each seed's own adapter."""
    cfg = parts.cfg
    arms = [a for a in cfg.eval.arms if ARMS[a].adapter == CLOSED_BOOK]  # the RAFT reader keeps the main seed's adapter
    per_seed = {cfg.run.seed: {a: main_summary["arms"][a] for a in arms}}
    rows: list[dict] = []
    for seed in cfg.run.seeds[1:]:
        log.info("seed %d: training and evaluating %s", seed, ", ".join(arms))
        scfg = with_overrides(cfg, [f"run.seed={seed}", f"eval.arms=[{','.join(arms)}]"], where=f"run.seeds ({seed})")
        adapter = ensure_adapter(scfg, parts.corpus, out / "seeds" / f"seed-{seed}", parts.lm)
        seed_rows, summary = evaluate_experiment(replace(parts, cfg=scfg, adapter=adapter, tuned=None, reader_adapter=None), started="")
        rows += [{**r, "stage": "seed", "seed": seed} for r in seed_rows]
        per_seed[seed] = summary["arms"]
    return rows, {"seeds": list(per_seed), "arms": {a: spread({s: arm_by[a] for s, arm_by in per_seed.items()}) for a in arms}}


def spread(by_seed: dict[int, dict]) -> dict:
    """For each rate the arms report: its value per seed, mean, sample standard deviation, min and max."""
    first = next(iter(by_seed.values()))
    rates = [k for k in first if f"{k}_ci" in first and all(k in s for s in by_seed.values())]
    result = {}
    for name in rates:
        values = np.array([s[name] for s in by_seed.values()], dtype=float)
        result[name] = {
            "per_seed": values.tolist(),
            "mean": float(values.mean()),
            "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
            "min": float(values.min()),
            "max": float(values.max()),
        }
    return result

"""Scoring for the update stage: one pass of an arm over probe and locality questions, and the
per-round and per-deletion rates computed from those rows.

Per round and arm: `efficacy` (accuracy on the changed facts' eval phrasings against the new
answers), `stale_rate` (answers that still give an old value), `locality` (accuracy on a fixed
sample of facts no round touches) and `accuracy_before` (the same arm on those facts before the
change). Per deletion: `leak_rate`, the share of questions about a deleted document still
answered with the value it gave.
"""

from __future__ import annotations

from core.answerer import PromptAnswerer
from core.config import ExperimentConfig
from core.corpus import Question
from eval.scoring import metrics
from eval.scoring.harness import run_arm


def answer_probe(arm: str, arm_answerer: PromptAnswerer, probe: list[Question], locality: list[Question], label: str = "changed") -> list[dict]:
    """One pass over the probe questions (`label`: changed or deleted facts) and the locality
    sample; each row says which set it belongs to and whether it gives an old value."""
    rows = run_arm(arm, arm_answerer, probe + locality, arm_answerer.corpus)
    for i, (row, q) in enumerate(zip(rows, probe + locality)):
        row["probe"] = label if i < len(probe) else "locality"
        row["old_answers"] = q.old_answers
        row["stale"] = metrics.accuracy([row["answer"]], [q.old_answers]).value if q.old_answers else 0.0
        if row.get("gated") is not None:  # the reader's own answer, for the verdict's gate-aside comparison
            reader = row["reader_answer"] if row["gated"] else row["answer"]
            row["reader_stale"] = metrics.accuracy([reader], [q.old_answers]).value if q.old_answers else 0.0
    return rows


def _rate(cfg: ExperimentConfig, scores: list[float], name: str) -> dict:
    return metrics.rate(name, scores, samples=cfg.eval.bootstrap_samples, seed=cfg.run.seed) if scores else {}


def round_metrics(cfg: ExperimentConfig, rows: list[dict], seconds: float | None, main_rows: list[dict], main_arm: str | None) -> dict:
    """`main_arm`: the main comparison's arm whose answers before the change this arm is compared with."""
    facts = {r["fact_id"] for r in rows if r["probe"] == "changed" and r["old_answers"]}
    before = [r["correct"] for r in main_rows if r["arm"] == main_arm and r["fact_id"] in facts]
    return {
        **({"absorb_seconds": seconds} if seconds is not None else {}),
        **metrics.changed_fact_rates(rows, samples=cfg.eval.bootstrap_samples, seed=cfg.run.seed),
        **_rate(cfg, [r["correct"] for r in rows if r["probe"] == "locality"], "locality"),
        # the same arm on the same facts before they changed (original phrasings and answers)
        **_rate(cfg, before, "accuracy_before"),
    }


def deletion_metrics(cfg: ExperimentConfig, rows: list[dict], seconds: float | None) -> dict:
    probe = [r for r in rows if r["probe"] == "deleted"]
    # a deleted fact "leaks" when the answer still contains the value the deleted document gave
    leaks = [r["correct"] for r in probe]
    return {
        **({"absorb_seconds": seconds} if seconds is not None else {}),
        **_rate(cfg, leaks, "leak_rate"),
        **_rate(cfg, [r["correct"] for r in rows if r["probe"] == "locality"], "locality"),
    }

"""What a retrieval-confidence gate trades, at every threshold the run knows: none, the one it
used (cross-fitted: each question behind its own fold's threshold), each fold's, and the one chosen
on every question (eval/stages/gate.py). Computed from the rag arm's prediction rows
alone: each row keeps its best passage's score and its reader's own answer (the reader's fields
where a gate answered instead), so any threshold can be replayed without generating again.

The verdict compares accuracy gate aside; this table is where the gate's trade is read: the
unanswerable questions it turns into abstentions, the answerable ones it turns away, and the
accuracy left.
"""

from __future__ import annotations

from typing import Callable

from core.corpus import CONTROL_KINDS, UNANSWERABLE
from eval.catalogue import RAG, side_arm
from eval.report.format import markdown_table, pct
from eval.scoring.scores import gate_aside_abstained, gate_aside_correct


def _best(row: dict) -> float:
    return row["retrieved"][0]["score"] if row["retrieved"] else float("-inf")


Threshold = Callable[[dict], "float | None"]  # a row -> the threshold it faces (None: no gate)


def trade(rows: list[dict], threshold: Threshold) -> dict:
    """Abstention on the unanswerable rows, false abstention and accuracy on the answerable ones,
    with each row behind the gate at `threshold(row)`."""
    answerable = [r for r in rows if r["kind"] not in CONTROL_KINDS]
    unanswerable = [r for r in rows if r["kind"] == UNANSWERABLE]

    def gated(row: dict) -> bool:
        t = threshold(row)
        return t is not None and _best(row) < t

    def share(values) -> float | None:
        values = list(values)
        return sum(values) / len(values) if values else None

    return {
        "abstention_rate": share(gated(r) or bool(gate_aside_abstained(r)) for r in unanswerable),
        "false_abstention_rate": share(gated(r) or bool(gate_aside_abstained(r)) for r in answerable),
        "accuracy": share(not gated(r) and bool(gate_aside_correct(r)) for r in answerable),
    }


def fixed(value: float | None) -> Threshold:
    return lambda row: value


def thresholds(gate: dict | None) -> list[tuple[str, str, Threshold]]:
    """Every gate the run knows: (name, its score column, the threshold each row faces)."""
    known: list[tuple[str, str, Threshold]] = [("no gate", "–", fixed(None))]
    gate = gate or {}
    per_question, deployed = gate.get("per_question") or {}, gate.get("threshold")
    if per_question:
        known.append((
            "this run's: cross-fitted, each question behind the threshold its fold chose on the others", "per fold",
            lambda row: per_question.get(row["question_id"]),
        ))
    elif deployed is not None:
        known.append((f"this run's ({gate['how']})", f"{deployed:.3f}", fixed(deployed)))
    calibration = gate.get("calibration") or {}
    known += [(f"fold {i + 1}'s, on every question", f"{t:.3f}", fixed(t)) for i, t in enumerate(calibration.get("fold_thresholds", [])) if t is not None]
    if per_question and deployed is not None:
        known.append(("chosen on every eval question (what a deployment would use; in sample here)", f"{deployed:.3f}", fixed(deployed)))
    return known


def gate_trade_table(summary: dict, main_rows: list[dict]) -> str | None:
    """The trade at each known threshold, for the arm that stands for RAG; None when it did not run."""
    rag = side_arm(RAG, summary["arms"])
    rows = [r for r in main_rows if r["arm"] == rag]
    if not rows or not any(r["kind"] == UNANSWERABLE for r in rows):
        return None
    table = []
    for name, score, threshold in thresholds(summary.get("gate")):
        m = trade(rows, threshold)
        table.append([name, score, pct(m["abstention_rate"]), pct(m["false_abstention_rate"]), pct(m["accuracy"])])
    return markdown_table(
        ["gate threshold", "score", f"{rag} abstains when unanswerable %", "abstains when answerable %", "accuracy %"], table
    )

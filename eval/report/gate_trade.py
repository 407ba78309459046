"""What a retrieval-confidence gate trades, at every threshold the run knows: none, the one it
used, and the held-out folds' (eval/stages/gate.py). Computed from the rag arm's prediction rows
alone: each row keeps its best passage's score and its reader's own answer (the reader's fields
where a gate answered instead), so any threshold can be replayed without generating again.

The verdict compares accuracy gate aside; this table is where the gate's trade is read: the
unanswerable questions it turns into abstentions, the answerable ones it turns away, and the
accuracy left.
"""

from __future__ import annotations

from core.corpus import CONTROL_KINDS, UNANSWERABLE
from eval.catalogue import RAG, side_arm
from eval.report.format import markdown_table, pct
from eval.scoring.scores import gate_aside_abstained, gate_aside_correct


def _best(row: dict) -> float:
    return row["retrieved"][0]["score"] if row["retrieved"] else float("-inf")


def trade(rows: list[dict], threshold: float | None) -> dict:
    """Abstention on the unanswerable rows, false abstention and accuracy on the answerable ones,
    with the gate at `threshold` (None: no gate)."""
    answerable = [r for r in rows if r["kind"] not in CONTROL_KINDS]
    unanswerable = [r for r in rows if r["kind"] == UNANSWERABLE]

    def gated(row: dict) -> bool:
        return threshold is not None and _best(row) < threshold

    def share(values) -> float | None:
        values = list(values)
        return sum(values) / len(values) if values else None

    return {
        "abstention_rate": share(gated(r) or bool(gate_aside_abstained(r)) for r in unanswerable),
        "false_abstention_rate": share(gated(r) or bool(gate_aside_abstained(r)) for r in answerable),
        "accuracy": share(not gated(r) and bool(gate_aside_correct(r)) for r in answerable),
    }


def thresholds(gate: dict | None) -> list[tuple[str, float | None]]:
    """Every threshold the run knows, named."""
    known = [("no gate", None)]
    if gate and gate.get("threshold") is not None:
        known.append((f"this run's ({gate['how']})", gate["threshold"]))
    held_out = ((gate or {}).get("calibration") or {}).get("held_out") or {}
    known += [(f"held-out fold {i + 1}'s", t) for i, t in enumerate(held_out.get("thresholds", []))]
    if gate and gate.get("threshold") is None and "balanced_accuracy" in (gate.get("calibration") or {}):
        known.append(("calibrated on the whole train split, not used", gate["calibration"].get("threshold")))
    return [(name, t) for name, t in known if name == "no gate" or t is not None]


def gate_trade_table(summary: dict, main_rows: list[dict]) -> str | None:
    """The trade at each known threshold, for the arm that stands for RAG; None when it did not run."""
    rag = side_arm(RAG, summary["arms"])
    rows = [r for r in main_rows if r["arm"] == rag]
    if not rows or not any(r["kind"] == UNANSWERABLE for r in rows):
        return None
    table = []
    for name, t in thresholds(summary.get("gate")):
        m = trade(rows, t)
        table.append([name, "–" if t is None else f"{t:.3f}", pct(m["abstention_rate"]), pct(m["false_abstention_rate"]), pct(m["accuracy"])])
    return markdown_table(
        ["gate threshold", "score", f"{rag} abstains when unanswerable %", "abstains when answerable %", "accuracy %"], table
    )

"""Per-row scores: the functions that read a metric's score off one prediction row (None: the
metric does not apply to that row). Each metric's catalogue entry (eval/catalogue.py) holds its
function, so a name that does not exist fails when the catalogue loads. Summaries average the
scores, run comparisons pair them by question.
"""

from __future__ import annotations

from typing import Callable

from eval.scoring import metrics


def row_field(field: str) -> Callable[[dict], float | None]:
    """The score of a metric whose per-row value the harness already wrote into the row as `field`.
    `get`: a field added later is missing from older runs' rows, which leaves the metric out for them."""

    def score(row: dict) -> float | None:
        return row.get(field)

    score.__name__ = f"row_field_{field}"
    return score


def _retrieved_doc_ids(row: dict) -> list[str]:
    return [p["doc_id"] for p in row["retrieved"]]


def recall_at_k(row: dict) -> float:
    return metrics.recall_at_k([_retrieved_doc_ids(row)], [row["gold_doc_ids"]]).value


def reciprocal_rank(row: dict) -> float:
    return metrics.mrr([_retrieved_doc_ids(row)], [row["gold_doc_ids"]]).value


def _gold_shown(row: dict) -> bool:
    """A gold passage reached the reader: retrieved, and not turned away by the confidence gate."""
    return bool(recall_at_k(row)) and not row.get("gated")


def retrieval_miss(row: dict) -> float:
    """Wrong, and the reader never saw a gold passage (none retrieved, or the gate answered)."""
    return float(not row["correct"] and not _gold_shown(row))


def reading_miss(row: dict) -> float:
    """Wrong although a gold passage was in the prompt."""
    return float(not row["correct"] and _gold_shown(row))


def gate_aside_correct(row: dict) -> float:
    """Whether the arm's own answer is right: the reader's where a retrieval-confidence gate answered
    instead of it. Accuracy compared this way is about the answers each approach gives; what a gate
    trades (abstention gained, right answers lost) is the abstention metrics' business."""
    return row["reader_correct"] if row.get("reader_correct") is not None else row["correct"]


def gate_aside_abstained(row: dict) -> float:
    """Whether the arm's own answer abstains: the reader's where a retrieval-confidence gate ran."""
    return row["reader_abstained"] if row.get("reader_abstained") is not None else row["abstained"]


def answered(field: str) -> Callable[[dict], float | None]:
    """A cost read off the row, None (left out) where the gate refused the question: a refusal
    costs no generation, and timing it would let refusing win on latency."""

    def score(row: dict) -> float | None:
        return None if row.get("gated") else row.get(field)

    score.__name__ = f"answered_{field}"
    return score

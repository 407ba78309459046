"""Per-row scores: for each metric in the catalogue, the function that reads its score off one
prediction row (None: the metric does not apply to that row). Summaries average them, run
comparisons pair them by question; a new metric registers its function here with `@score`
(or, when its score is already a row field, one line in ROW_FIELDS).
"""

from __future__ import annotations

from typing import Callable

from eval.scoring import metrics

ROW_SCORES: dict[str, Callable[[dict], float | None]] = {}


def score(name: str):
    def register(fn: Callable[[dict], float | None]):
        ROW_SCORES[name] = fn
        return fn

    return register


# Metrics whose per-row score is a field the harness already wrote into the row.
ROW_FIELDS = {
    "accuracy": "correct",
    "general_knowledge": "correct",  # over the general-knowledge controls: the answer contains the known fact
    "exact_match": "exact_match",
    "false_abstention_rate": "abstained",  # over answerable questions
    "abstention_rate": "abstained",  # over unanswerable ones
    "reader_abstention_rate": "reader_abstained",  # None without a gate
    "reader_accuracy": "reader_correct",  # None without a gate
    "gate_false_abstention_rate": "gated",  # over answerable questions; None without a gate
    "attribution": "attributed",
    "citation_accuracy": "citation_correct",
    "style_adherence": "style_ok",  # None when the corpus defines no house style
    "f1": "f1",
    "latency_ms": "latency_ms",
    "prompt_tokens": "prompt_tokens",
    "output_tokens": "output_tokens",
}
# `get`: a field added later is missing from older runs' rows, which leaves that metric out for them
ROW_SCORES.update({metric: (lambda row, field=field: row.get(field)) for metric, field in ROW_FIELDS.items()})


def _retrieved_doc_ids(row: dict) -> list[str]:
    return [p["doc_id"] for p in row["retrieved"]]


@score("recall_at_k")
def _recall(row: dict) -> float:
    return metrics.recall_at_k([_retrieved_doc_ids(row)], [row["gold_doc_ids"]]).value


@score("mrr")
def _reciprocal_rank(row: dict) -> float:
    return metrics.mrr([_retrieved_doc_ids(row)], [row["gold_doc_ids"]]).value


def _gold_shown(row: dict) -> bool:
    """A gold passage reached the reader: retrieved, and not turned away by the confidence gate."""
    return bool(_recall(row)) and not row.get("gated")


@score("retrieval_miss_rate")
def _retrieval_miss(row: dict) -> float:
    """Wrong, and the reader never saw a gold passage (none retrieved, or the gate answered)."""
    return float(not row["correct"] and not _gold_shown(row))


@score("reading_miss_rate")
def _reading_miss(row: dict) -> float:
    """Wrong although a gold passage was in the prompt."""
    return float(not row["correct"] and _gold_shown(row))

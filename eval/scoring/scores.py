"""Per-row scores: for each metric in the catalogue, the function that reads its score off one
prediction row (None: the metric does not apply to that row). Summaries average them, run
comparisons pair them by question; a new metric registers its function here with `@score`.
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


def _retrieved_doc_ids(row: dict) -> list[str]:
    return [p["doc_id"] for p in row["retrieved"]]


@score("accuracy")
@score("general_knowledge")  # over the general-knowledge controls: the answer contains the known fact
def _correct(row: dict) -> float:
    return row["correct"]


@score("exact_match")
def _exact(row: dict) -> float:
    return row["exact_match"]


@score("false_abstention_rate")  # over answerable questions
@score("abstention_rate")  # over unanswerable ones
def _abstained(row: dict) -> float:
    return row["abstained"]


@score("citation_accuracy")
def _citation(row: dict) -> float | None:
    return row["citation_correct"]


@score("style_adherence")
def _style(row: dict) -> float | None:
    return row["style_ok"]  # None when the corpus defines no house style


@score("recall_at_k")
def _recall(row: dict) -> float:
    return metrics.recall_at_k([_retrieved_doc_ids(row)], [row["gold_doc_ids"]]).value


@score("mrr")
def _reciprocal_rank(row: dict) -> float:
    return metrics.mrr([_retrieved_doc_ids(row)], [row["gold_doc_ids"]]).value


@score("f1")
def _f1(row: dict) -> float:
    return row["f1"]


@score("latency_ms")
def _latency(row: dict) -> float:
    return row["latency_ms"]


@score("prompt_tokens")
def _prompt_tokens(row: dict) -> float:
    return row["prompt_tokens"]


@score("output_tokens")
def _output_tokens(row: dict) -> float:
    return row["output_tokens"]

"""Run any Answerer over a question set and turn its answers into prediction rows and summaries.

Rows are the unit of record (`predictions.jsonl`); summaries are computed from rows alone, so a
finished run can be re-summarised and re-reported without a model.
"""

from __future__ import annotations

import logging

from core.answerer import Answerer
from core.corpus import Question
from eval import metrics

log = logging.getLogger(__name__)


def run_arm(arm: str, answerer: Answerer, questions: list[Question]) -> list[dict]:
    answers = answerer.answer(questions)
    if [a.question_id for a in answers] != [q.id for q in questions]:
        raise RuntimeError(f"arm {arm!r} returned answers for other questions than it was asked")
    preds, gold = [a.text for a in answers], [q.answers for q in questions]
    correct = metrics.accuracy(preds, gold).per_example
    exact = metrics.exact_match(preds, gold).per_example
    f1 = metrics.f1(preds, gold).per_example
    return [
        {
            "arm": arm,
            "question_id": q.id,
            "fact_id": q.fact_id,
            "kind": q.kind,
            "question": q.question,
            "answer": a.text,
            "gold_answers": q.answers,
            "gold_doc_ids": q.doc_ids,
            "correct": correct[i],
            "exact_match": exact[i],
            "f1": f1[i],
            "retrieved": [{"chunk_id": p.chunk_id, "doc_id": p.doc_id, "score": p.score} for p in a.passages],
            "retrieve_ms": a.retrieve_ms,
            "generate_ms": a.generate_ms,
            "latency_ms": a.retrieve_ms + a.generate_ms,
            "prompt_tokens": a.prompt_tokens,
            "output_tokens": a.output_tokens,
        }
        for i, (q, a) in enumerate(zip(questions, answers))
    ]


def summarize_arm(rows: list[dict], *, retrieves: bool, bootstrap_samples: int, seed: int) -> dict:
    """Aggregates for one arm; every rate carries its 95% bootstrap interval as `<metric>_ci`."""
    if not rows:
        raise ValueError("no predictions to summarize for this arm")
    summary: dict = {"n": len(rows)}
    rates = {"accuracy": [r["correct"] for r in rows], "exact_match": [r["exact_match"] for r in rows]}
    if retrieves:
        retrieved = [[p["doc_id"] for p in r["retrieved"]] for r in rows]
        gold = [r["gold_doc_ids"] for r in rows]
        rates["recall_at_k"] = metrics.recall_at_k(retrieved, gold).per_example
        summary["mrr"] = metrics.mrr(retrieved, gold).value
    for name, scores in rates.items():
        summary.update(metrics.rate(name, scores, samples=bootstrap_samples, seed=seed))
    summary["f1"] = float(sum(r["f1"] for r in rows) / len(rows))
    summary["latency_ms"] = metrics.latency_summary([r["latency_ms"] for r in rows])
    summary["prompt_tokens"] = float(sum(r["prompt_tokens"] for r in rows) / len(rows))
    summary["output_tokens"] = float(sum(r["output_tokens"] for r in rows) / len(rows))
    return summary

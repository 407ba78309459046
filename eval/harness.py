"""Run any Answerer over a question set and turn its answers into prediction rows and summaries.

Rows are the unit of record (`predictions.jsonl`); summaries are computed from rows alone, so a
finished run can be re-summarised and re-reported without a model.
"""

from __future__ import annotations

import logging

from core.answerer import Answerer
from core.corpus import CONTROL_KINDS, GENERAL, UNANSWERABLE, Corpus, Question
from eval import metrics

log = logging.getLogger(__name__)


def run_arm(arm: str, answerer: Answerer, questions: list[Question], corpus: Corpus) -> list[dict]:
    """One row per question: the answer, its scores, what it retrieved and cited, and its costs.
    `corpus` supplies the house style and the titles the style checker accepts."""
    answers = answerer.answer(questions)
    if [a.question_id for a in answers] != [q.id for q in questions]:
        raise RuntimeError(f"arm {arm!r} returned answers for other questions than it was asked")
    preds, gold = [a.text for a in answers], [q.answers for q in questions]
    correct = metrics.accuracy(preds, gold).per_example
    exact = metrics.exact_match(preds, gold).per_example
    f1 = metrics.f1(preds, gold).per_example
    style, titles = corpus.style, set(corpus.titles())
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
            "cited_doc_ids": a.cited_doc_ids,
            "abstained": float(style.abstains(a.text)),
            # the behaviours below are about answers to questions the documents answer
            "style_ok": float(style.adheres(a.text, titles)) if style.defined and q.answerable else None,
            "citation_correct": metrics.citation_correct(a.cited_doc_ids, q.doc_ids) if q.answerable else None,
            "retrieve_ms": a.retrieve_ms,
            "generate_ms": a.generate_ms,
            "latency_ms": a.retrieve_ms + a.generate_ms,
            "prompt_tokens": a.prompt_tokens,
            "output_tokens": a.output_tokens,
        }
        for i, (q, a) in enumerate(zip(questions, answers))
    ]


def rate_scores(rows: list[dict], *, retrieves: bool, general_ids: set[str] | None = None) -> dict[str, dict[str, float]]:
    """Per rate an arm reports, its per-question scores {question_id: score}: what summaries average
    and what run comparisons pair up.

    Accuracy and the retrieval, style and citation metrics are over the questions the documents
    answer; `abstention_rate` is over the unanswerable ones, `general_knowledge` over the
    general-knowledge questions in `general_ids` (those the base model answers; all when None).
    """
    answerable = [r for r in rows if r["kind"] not in CONTROL_KINDS]
    if not answerable:
        raise ValueError("no predictions on answerable questions to summarize for this arm")

    def scores(subset: list[dict], values) -> dict[str, float]:
        return {r["question_id"]: float(v) for r, v in zip(subset, values, strict=True)}

    rates = {
        "accuracy": scores(answerable, (r["correct"] for r in answerable)),
        "exact_match": scores(answerable, (r["exact_match"] for r in answerable)),
        "false_abstention_rate": scores(answerable, (r["abstained"] for r in answerable)),
        "citation_accuracy": scores(answerable, (r["citation_correct"] for r in answerable)),
    }
    if answerable[0]["style_ok"] is not None:
        rates["style_adherence"] = scores(answerable, (r["style_ok"] for r in answerable))
    if retrieves:
        retrieved = [[p["doc_id"] for p in r["retrieved"]] for r in answerable]
        gold = [r["gold_doc_ids"] for r in answerable]
        rates["recall_at_k"] = scores(answerable, metrics.recall_at_k(retrieved, gold).per_example)
    unanswerable = [r for r in rows if r["kind"] == UNANSWERABLE]
    if unanswerable:
        rates["abstention_rate"] = scores(unanswerable, (r["abstained"] for r in unanswerable))
    general = [r for r in rows if r["kind"] == GENERAL and (general_ids is None or r["question_id"] in general_ids)]
    if general:
        rates["general_knowledge"] = scores(general, (r["correct"] for r in general))
    return rates


def summarize_arm(rows: list[dict], *, retrieves: bool, bootstrap_samples: int, seed: int, general_ids: set[str] | None = None) -> dict:
    """Aggregates for one arm (see `rate_scores` for which questions each rate is over); every rate
    carries its 95% bootstrap interval as `<metric>_ci`."""
    rates = rate_scores(rows, retrieves=retrieves, general_ids=general_ids)
    answerable = [r for r in rows if r["kind"] not in CONTROL_KINDS]
    summary: dict = {"n": len(answerable)}
    if retrieves:
        summary["mrr"] = metrics.mrr([[p["doc_id"] for p in r["retrieved"]] for r in answerable], [r["gold_doc_ids"] for r in answerable]).value
    if "abstention_rate" in rates:
        summary["n_unanswerable"] = len(rates["abstention_rate"])
    if "general_knowledge" in rates:
        summary["n_general"] = len(rates["general_knowledge"])
    for name, scores in rates.items():
        summary.update(metrics.rate(name, list(scores.values()), samples=bootstrap_samples, seed=seed))
    summary["f1"] = float(sum(r["f1"] for r in answerable) / len(answerable))
    summary["latency_ms"] = metrics.latency_summary([r["latency_ms"] for r in rows])
    summary["prompt_tokens"] = float(sum(r["prompt_tokens"] for r in rows) / len(rows))
    summary["output_tokens"] = float(sum(r["output_tokens"] for r in rows) / len(rows))
    return summary


def general_knowledge_kept(rows: list[dict], reference_arm: str = "base") -> set[str] | None:
    """The general-knowledge questions the base model answers correctly: only those measure what
    an arm kept (a fact the base model never knew cannot be forgotten). None without base rows."""
    reference = [r for r in rows if r["arm"] == reference_arm and r["kind"] == GENERAL]
    return {r["question_id"] for r in reference if r["correct"]} if reference else None

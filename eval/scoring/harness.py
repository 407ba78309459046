"""Run any Answerer over a question set and turn its answers into prediction rows and summaries.

Rows are the unit of record (`predictions.jsonl`); summaries are computed from rows alone, by
iterating over the metric catalogue, so a finished run can be re-summarised and re-reported
without a model.
"""

from __future__ import annotations

from core.answerer import Answerer
from core.corpus import CONTROL_KINDS, GENERAL, UNANSWERABLE, Corpus, Question, trained_facts
from eval.catalogue import (
    ALL, ANSWERABLE, DOCUMENT_FACTS, GENERAL_SET, METRICS, TRAINED_FACTS, UNANSWERABLE_SET, Metric, applies, reference_arm,
)
from eval.catalogue import arm as catalogue_arm
from eval.schema import PredictionRow
from eval.scoring import metrics


def run_arm(arm: str, answerer: Answerer, questions: list[Question], corpus: Corpus) -> list[dict]:
    """One row per question: the answer, its scores, what it retrieved and cited, and its costs.
    `corpus` supplies the house style and the titles the style checker accepts."""
    answers = answerer.answer(questions)
    if [a.question_id for a in answers] != [q.id for q in questions]:
        raise RuntimeError(f"arm {arm!r} returned answers for other questions than it was asked")
    style, titles = corpus.style, set(corpus.titles())
    preds, gold = [a.text for a in answers], [q.answers for q in questions]
    correct = metrics.accuracy(preds, gold).per_example
    # exact match and F1 compare the answer without the house-style parts (its cited title)
    answer_parts = [style.answer_part(p) for p in preds]
    exact = metrics.exact_match(answer_parts, gold).per_example
    f1 = metrics.f1(answer_parts, gold).per_example
    trained = trained_facts(corpus)
    entry = catalogue_arm(arm)
    # the sources a system shows with its answer: the passages it read, unless it read every document
    # (then showing them all shows nothing): a whole-corpus arm shows what its answer cites, as lora does
    def shown(answer) -> list[str]:
        return [] if entry and entry.caches_corpus else [p.doc_id for p in answer.passages]

    return [
        PredictionRow(
            arm=arm, question_id=q.id, fact_id=q.fact_id, kind=q.kind, question=q.question, answer=a.text,
            gold_answers=q.answers, gold_doc_ids=q.doc_ids, correct=correct[i], exact_match=exact[i], f1=f1[i],
            retrieved=[{"chunk_id": p.chunk_id, "doc_id": p.doc_id, "score": p.score} for p in a.passages],
            cited_doc_ids=a.cited_doc_ids,
            abstained=float(style.abstains(a.text)),
            # the behaviours below are about answers to questions the documents answer
            style_ok=float(style.adheres(a.text, titles)) if style.defined and q.answerable else None,
            citation_correct=metrics.citation_correct(a.cited_doc_ids, q.doc_ids) if q.answerable else None,
            retrieve_ms=a.retrieve_ms, generate_ms=a.generate_ms, latency_ms=a.retrieve_ms + a.generate_ms,
            prompt_tokens=a.prompt_tokens, output_tokens=a.output_tokens, cached_tokens=a.cached_tokens,
            attributed=metrics.attributed(correct[i], shown(a), a.cited_doc_ids, q.doc_ids) if q.answerable else None,
            gated=None if a.gated is None else float(a.gated),
            reader_abstained=None if a.reader_text is None else float(style.abstains(a.reader_text)),
            reader_correct=metrics.accuracy([a.reader_text], [q.answers]).value if a.reader_text is not None and q.answerable else None,
            reader_answer=a.reader_text if a.gated else None,
            fact_trained=float(q.fact_id in trained) if q.answerable and q.fact_id else None,
        ).to_dict()
        for i, (q, a) in enumerate(zip(questions, answers))
    ]


def question_set(rows: list[dict], over: str, general_ids: set[str] | None) -> list[dict]:
    """The rows a metric is over (see eval/catalogue.py); general knowledge only on the questions
    in `general_ids` (those the reference arm answers; all when None)."""
    if over == ANSWERABLE:
        return [r for r in rows if r["kind"] not in CONTROL_KINDS]
    if over == UNANSWERABLE_SET:
        return [r for r in rows if r["kind"] == UNANSWERABLE]
    if over == GENERAL_SET:
        return [r for r in rows if r["kind"] == GENERAL and (general_ids is None or r["question_id"] in general_ids)]
    if over in (TRAINED_FACTS, DOCUMENT_FACTS):
        wanted = 1.0 if over == TRAINED_FACTS else 0.0
        return [r for r in rows if r["kind"] not in CONTROL_KINDS and r.get("fact_trained") == wanted]
    if over == ALL:
        return rows
    raise ValueError(f"unknown question set {over!r}")


def metric_scores(rows: list[dict], arm: str, general_ids: set[str] | None = None) -> dict[Metric, dict[str, float]]:
    """Per catalogue metric that applies to this arm's rows, its per-question scores {question_id: score}:
    what summaries aggregate and what run comparisons pair up. A row whose score is None is left out
    of that metric (a cost of a question the gate refused); a metric is left out when no row here has
    a score, or it does not apply to this arm (style without a house style, retrieval on a closed book)."""
    if not question_set(rows, ANSWERABLE, None):
        raise ValueError("no predictions on answerable questions to summarize for this arm")
    out = {}
    for metric in METRICS.values():
        if not applies(metric, arm):
            continue
        scored = [(r, metric.score(r)) for r in question_set(rows, metric.over, general_ids)]
        scored = [(r, s) for r, s in scored if s is not None]
        if scored:
            out[metric] = {r["question_id"]: float(s) for r, s in scored}
    return out


def rate_scores(rows: list[dict], arm: str, general_ids: set[str] | None = None) -> dict[str, dict[str, float]]:
    """The rates (metrics with an interval) among `metric_scores`, keyed by name."""
    return {m.name: s for m, s in metric_scores(rows, arm, general_ids).items() if m.interval}


def summarize_arm(rows: list[dict], arm: str, *, bootstrap_samples: int, seed: int, general_ids: set[str] | None = None) -> dict:
    """Aggregates for one arm: each metric summarised as its catalogue entry says (a rate carries
    its 95% bootstrap interval as `<metric>_ci`), plus how many questions each question set holds."""
    answerable = question_set(rows, ANSWERABLE, None)
    summary: dict = {"n": len(answerable)}
    refused = sum(1 for r in answerable if r.get("gated"))
    if refused:
        summary["refused"] = refused  # by the gate: left out of the costs, which are over the answered questions
    for metric, by_question in metric_scores(rows, arm, general_ids).items():
        scores = list(by_question.values())
        if metric.over in (UNANSWERABLE_SET, GENERAL_SET, TRAINED_FACTS, DOCUMENT_FACTS):
            summary[f"n_{metric.over}"] = len(scores)
        if metric.summary == "rate":
            summary.update(metrics.rate(metric.name, scores, samples=bootstrap_samples, seed=seed))
        elif metric.summary == "mean":
            summary[metric.name] = float(sum(scores) / len(scores))
        else:
            summary[metric.name] = metrics.percentiles(scores)
    return summary


def general_knowledge_kept(rows: list[dict]) -> set[str] | None:
    """The general-knowledge questions the reference (base) arm answers correctly: only those
    measure what an arm kept (a fact the base model never knew cannot be forgotten). None without
    reference rows."""
    name = reference_arm()
    reference = [r for r in rows if r["arm"] == name and r["kind"] == GENERAL]
    return {r["question_id"] for r in reference if r["correct"]} if reference else None

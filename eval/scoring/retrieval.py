"""Retrieval quality on its own, apart from what the reader makes of it: search the index for
each answerable question to a fixed depth and score the ranking against the gold documents.

The rag arm's `recall_at_k` is over the top_k passages its prompt shows (top_k 1 on the default
config); this looks deeper, so retrievers can be compared by recall@1/3/5/10 and MRR@10 whatever
top_k a run reads, and times the search (embedding the queries included) per query.
"""

from __future__ import annotations

import time

from core.corpus import Question
from eval.scoring import metrics

DEPTH = 10
CUTOFFS = (1, 3, 5, 10)


def retrieval_quality(index, questions: list[Question], depth: int = DEPTH) -> dict:
    """{recall@k per cutoff, mrr@depth, ms_per_query, questions, depth, retriever} over answerable `questions`."""
    answerable = [q for q in questions if q.answerable]
    if not answerable:
        raise ValueError("retrieval quality needs answerable questions")
    start = time.perf_counter()
    hits = index.search([q.question for q in answerable], depth)
    ms = (time.perf_counter() - start) * 1000 / len(answerable)
    ranked = [[chunk.doc_id for chunk, _ in row] for row in hits]
    gold = [q.doc_ids for q in answerable]
    out = {"retriever": index.meta["settings"]["retriever"], "questions": len(answerable), "depth": depth}
    for k in CUTOFFS:
        if k <= depth:
            out[f"recall@{k}"] = metrics.recall_at_k([r[:k] for r in ranked], gold).value
    out[f"mrr@{depth}"] = metrics.mrr(ranked, gold).value
    out["ms_per_query"] = ms
    return out

"""Top-k retrieval for a batch of questions: search the index in one batch, return passages."""

from __future__ import annotations

from core.corpus import Question
from core.prompt import Passage
from rag.index import ChunkIndex


class Retriever:
    """A `PassageSource` for the prompt answerer: questions -> top-k passages each."""

    def __init__(self, index: ChunkIndex, top_k: int):
        self.index, self.top_k = index, top_k

    def __call__(self, questions: list[Question]) -> list[list[Passage]]:
        hits = self.index.search([q.question for q in questions], self.top_k)
        return [[Passage(c.id, c.doc_id, c.title, c.text, score) for c, score in row] for row in hits]

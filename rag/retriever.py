"""Top-k retrieval for a batch of questions: embed them in one batch, search, return passages."""

from __future__ import annotations

from core.answerer import Passage
from core.corpus import Question
from rag.embedding import Embedder
from rag.index import ChunkIndex


class Retriever:
    """A `PassageSource` for the prompt answerer: questions -> top-k passages each."""

    def __init__(self, index: ChunkIndex, embedder: Embedder, top_k: int):
        self.index, self.embedder, self.top_k = index, embedder, top_k

    def __call__(self, questions: list[Question]) -> list[list[Passage]]:
        hits = self.index.search(self.embedder.encode([q.question for q in questions]), self.top_k)
        return [[Passage(c.id, c.doc_id, c.title, c.text, score) for c, score in row] for row in hits]

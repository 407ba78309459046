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


class IndexPassages:
    """An index's passages as a retrieval-augmented training set reads them (finetune/raft.py's
    PassageLookup): the ranked passages for questions, and one document's chunks in order."""

    def __init__(self, index: ChunkIndex):
        self.index = index

    def ranked(self, questions: list[Question], depth: int) -> list[list[Passage]]:
        return Retriever(self.index, depth)(questions)

    def chunks_of(self, doc_id: str) -> list[Passage]:
        chunks = [self.index.chunks[i] for i in sorted(self.index.ids_by_doc.get(doc_id, []))]
        return [Passage(c.id, c.doc_id, c.title, c.text) for c in chunks]

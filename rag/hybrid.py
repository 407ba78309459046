"""Hybrid retrieval: reciprocal-rank fusion (RRF) of the dense and the BM25 rankings.

Each retriever ranks its `fusion_depth` best chunks; a chunk's fused score is the sum over the
rankings it appears in of 1 / (rrf_k + rank). Ranks, not scores, are fused: cosine similarities
and BM25 scores live on different scales, and RRF needs no tuning of how to mix them
(Cormack et al., 2009, with k = 60). Both parts share the chunk ids and save into one directory.
"""

from __future__ import annotations

from pathlib import Path

from core.config import RagConfig
from rag.bm25 import BM25Search
from rag.chunking import Chunk
from rag.dense import DenseSearch


def fuse(rankings: list[list[tuple[int, float]]], rrf_k: int) -> list[tuple[int, float]]:
    """Chunk ids by fused score, best first (ties: the lower id, so the order is deterministic).

    Chunks with equal scores in one ranking share its rank (1 + how many scored higher): which of
    two tied chunks a retriever lists first depends on their ids, and the fused scores must not.
    """
    fused: dict[int, float] = {}
    for ranking in rankings:
        rank = 0
        for position, (chunk_id, score) in enumerate(ranking, start=1):
            if position == 1 or score != ranking[position - 2][1]:
                rank = position
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (rrf_k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


class HybridSearch:
    uses_embedder = True

    def __init__(self, settings: dict, embedder, parts: tuple[DenseSearch, BM25Search] | None = None):
        self.settings = settings
        self.dense, self.bm25 = parts or (DenseSearch(settings, embedder), BM25Search(settings))

    @staticmethod
    def settings_from(cfg: RagConfig) -> dict:
        return {**DenseSearch.settings_from(cfg), "rrf_k": cfg.rrf_k, "fusion_depth": cfg.fusion_depth}

    def build(self, ids: list[int], chunks: list[Chunk]) -> None:
        self.dense.build(ids, chunks)
        self.bm25.build(ids, chunks)

    def add(self, ids: list[int], chunks: list[Chunk]) -> None:
        self.dense.add(ids, chunks)
        self.bm25.add(ids, chunks)

    def remove(self, ids: list[int]) -> None:
        self.dense.remove(ids)
        self.bm25.remove(ids)

    def search(self, queries: list[str], k: int) -> list[list[tuple[int, float]]]:
        depth = max(k, self.settings["fusion_depth"])
        dense, lexical = self.dense.search(queries, depth), self.bm25.search(queries, depth)
        return [fuse([d, b], self.settings["rrf_k"])[:k] for d, b in zip(dense, lexical)]

    def describe(self) -> dict:
        return {**self.dense.describe(), **self.bm25.describe()}

    def save(self, directory: Path) -> None:
        self.dense.save(directory)
        self.bm25.save(directory)

    @classmethod
    def load(cls, directory: Path, settings: dict, embedder, chunks: dict[int, Chunk]) -> HybridSearch:
        parts = (DenseSearch.load(directory, settings, embedder, chunks), BM25Search.load(directory, settings, embedder, chunks))
        return cls(settings, embedder, parts)

"""The retriever registry: `rag.retriever` names a class here, and `new_search` builds it.

A retriever is a class with

    settings_from(cfg) -> dict           what it is built with (stored in the index metadata)
    build(ids, chunks) / add(ids, chunks) / remove(ids)
    search(queries, k) -> [[(chunk id, score), ...] per query, best first]
    describe() -> dict                   sizes for the report (dimension, vocabulary)
    save(directory) / load(directory, settings, embedder, chunks)
    uses_embedder                        whether its vectors depend on the embedder

`ChunkIndex` (rag/index.py) owns the chunks and their ids and calls these; adding a retriever is
one class and one entry below.
"""

from __future__ import annotations

from typing import Protocol

from core.config import RagConfig
from rag.bm25 import BM25Search
from rag.dense import DenseSearch
from rag.hybrid import HybridSearch


class Search(Protocol):
    uses_embedder: bool

    def build(self, ids: list[int], chunks: list) -> None: ...
    def add(self, ids: list[int], chunks: list) -> None: ...
    def remove(self, ids: list[int]) -> None: ...
    def search(self, queries: list[str], k: int) -> list[list[tuple[int, float]]]: ...
    def describe(self) -> dict: ...
    def save(self, directory) -> None: ...


RETRIEVERS: dict[str, type] = {"dense": DenseSearch, "bm25": BM25Search, "hybrid": HybridSearch}


def search_settings(cfg: RagConfig) -> dict:
    """What the configured retriever is built with: its name plus its own settings."""
    return {"retriever": cfg.retriever, **RETRIEVERS[cfg.retriever].settings_from(cfg)}


def new_search(settings: dict, embedder) -> Search:
    return RETRIEVERS[settings["retriever"]](settings, embedder)

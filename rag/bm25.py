"""Lexical retrieval: BM25 over the chunks with bm25s, persisted under `bm25/`.

Exact tokens are what dense embeddings blur: product codes, names, numbers. Tokens are lowercased
words of one or more characters (single digits are facts here: "6 days"), English stop words out.

BM25 scores depend on statistics of the whole collection (each term's document frequency, the
mean chunk length), so adding or removing chunks changes every chunk's score. An update therefore
re-indexes the stored chunk texts (tokenizing and counting, no model) before the next search:
searching after an update is exactly searching a full rebuild, at a cost of milliseconds per
thousand chunks.
"""

from __future__ import annotations

import logging
from pathlib import Path

import bm25s

from core.config import RagConfig
from core.errors import InputError
from core.rundir import write_dir
from rag.chunking import Chunk
from rag.dense import embedded_text

log = logging.getLogger(__name__)

BM25_DIR = "bm25"
TOKEN_PATTERN = r"(?u)\b\w+\b"


def tokenize(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(texts, token_pattern=TOKEN_PATTERN, stopwords="en", return_ids=False, show_progress=False)


class BM25Search:
    """BM25 (Lucene variant, bm25s defaults k1 1.5, b 0.75) over each chunk's title and text."""

    uses_embedder = False

    def __init__(self, settings: dict, embedder=None):
        self.settings = settings
        self.texts: dict[int, str] = {}  # chunk id -> indexed text, what a re-index reads
        self.model: bm25s.BM25 | None = None
        self.order: list[int] = []  # row i of the bm25s index is chunk id order[i]

    @staticmethod
    def settings_from(cfg: RagConfig) -> dict:
        return {}

    def build(self, ids: list[int], chunks: list[Chunk]) -> None:
        self.add(ids, chunks)

    def add(self, ids: list[int], chunks: list[Chunk]) -> None:
        self.texts.update((i, embedded_text(c)) for i, c in zip(ids, chunks))
        self.model = None  # re-indexed before the next search

    def remove(self, ids: list[int]) -> None:
        for i in ids:
            del self.texts[i]
        self.model = None

    def search(self, queries: list[str], k: int) -> list[list[tuple[int, float]]]:
        k = min(k, len(self.texts))
        if k == 0:  # nothing indexed (every document deleted): bm25s cannot index an empty corpus
            return [[] for _ in queries]
        self._ensure_indexed()
        rows, scores = self.model.retrieve(tokenize(queries), k=k, show_progress=False, n_threads=1)
        return [[(self.order[int(r)], float(s)) for r, s in zip(row, row_scores)] for row, row_scores in zip(rows, scores)]

    def describe(self) -> dict:
        if not self.texts:
            return {"vocabulary": 0}
        self._ensure_indexed()
        return {"vocabulary": len(self.model.vocab_dict)}

    def save(self, directory: Path) -> None:
        if not self.texts:  # an empty folder stands for an empty index
            write_dir(directory / BM25_DIR, lambda tmp: tmp.mkdir())
            return
        self._ensure_indexed()
        write_dir(directory / BM25_DIR, lambda tmp: self.model.save(str(tmp), show_progress=False))

    @classmethod
    def load(cls, directory: Path, settings: dict, embedder, chunks: dict[int, Chunk]) -> BM25Search:
        if not (directory / BM25_DIR).is_dir():
            raise InputError(f"no {BM25_DIR}/ in {directory}; rebuild the index")
        search = cls(settings)
        search.texts = {i: embedded_text(c) for i, c in chunks.items()}
        search.order = sorted(search.texts)
        if not chunks:
            return search
        search.model = bm25s.BM25.load(str(directory / BM25_DIR), show_progress=False, verbosity=0)
        if search.model.scores["num_docs"] != len(search.order):
            raise InputError(f"the BM25 index in {directory} does not match its chunk list; rebuild it")
        return search

    def _ensure_indexed(self) -> None:
        if self.model is not None:
            return
        self.order = sorted(self.texts)
        self.model = bm25s.BM25()
        self.model.index(tokenize([self.texts[i] for i in self.order]), show_progress=False)

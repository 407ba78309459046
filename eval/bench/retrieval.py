"""Retrieval at scale on synthetic vectors, through the project's own index (`ChunkIndex` over
`DenseSearch`): build, search one query at a time and in a batch, recall@10 against exact search,
deleting one document, saving and loading (vectors and chunk texts).

The vectors imitate sentence embeddings of a real corpus: chunks of one document lie close to
their document's direction, documents cluster into topics, and a query is a chunk's vector plus
noise (a question about that chunk). Uniform random vectors would make every ANN index look bad
(no structure to exploit) and are nothing like text.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from eval.bench.memory import peak_rss
from core.config import RagConfig
from rag.chunking import Chunk
from rag.dense import DenseSearch
from rag.index import ChunkIndex, load_index, save_index
from rag.retrievers import search_settings

DIM = 384  # the default embedder's width
CHUNKS_PER_DOC = 8
WORDS_PER_CHUNK = 80  # rag.chunk_size's default
K = 10


class _Named:
    """Stands in for the embedder when loading: the index checks its name and never embeds."""

    name = "synthetic"


def synthetic_vectors(n: int, queries: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n chunk vectors, query vectors), unit length, float32."""
    rng = np.random.default_rng(seed)
    docs = -(-n // CHUNKS_PER_DOC)
    topics = _unit(rng.standard_normal((max(1, int(np.sqrt(docs))), DIM), dtype=np.float32))
    doc_dirs = _unit(topics[rng.integers(0, len(topics), docs)] + _noise(rng, docs, 1.0))
    chunks = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):  # in blocks: the noise for a million rows at once is 1.5 GB more
        stop = min(n, start + 100_000)
        chunks[start:stop] = _unit(doc_dirs[np.arange(start, stop) // CHUNKS_PER_DOC] + _noise(rng, stop - start, 0.8))
    asked = rng.integers(0, n, queries)
    return chunks, _unit(chunks[asked] + _noise(rng, queries, 0.8))


def synthetic_chunks(n: int, seed: int) -> list[Chunk]:
    """Chunks of about WORDS_PER_CHUNK words each (slices of one random word stream), 8 per document."""
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i}" for i in range(5000)])
    stream = " ".join(vocabulary[rng.integers(0, len(vocabulary), WORDS_PER_CHUNK * 4096)])
    span = len(stream) // 4096
    starts = rng.integers(0, len(stream) - 2 * span, n)
    return [
        Chunk(f"d{i // CHUNKS_PER_DOC}#{i % CHUNKS_PER_DOC}", f"d{i // CHUNKS_PER_DOC}", f"Document {i // CHUNKS_PER_DOC}", stream[s : s + span])
        for i, s in enumerate(starts.tolist())
    ]


def exact_top_k(chunks: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """The true top-k row numbers per query (blocked matmul: what `flat` computes, without FAISS)."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(chunks), 200_000):
        scores = queries @ chunks[start : start + 200_000].T
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        best_scores = np.concatenate([best_scores, np.take_along_axis(scores, top, 1)], 1)
        best_ids = np.concatenate([best_ids, top + start], 1)
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :k]
        best_scores, best_ids = np.take_along_axis(best_scores, keep, 1), np.take_along_axis(best_ids, keep, 1)
    return best_ids


def bench_index_kind(kind: str, chunks: list[Chunk], vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, *,
                     single_queries: int, deletions: int) -> dict:
    """One index kind at one size: the figures of the retrieval table's row."""
    settings = search_settings(RagConfig(retriever="dense", index=kind))  # what a run with this index kind uses
    record = {"kind": kind, "vectors": len(vectors)}
    with peak_rss(record):
        search = DenseSearch(settings, embedder=None)
        start = time.perf_counter()
        search.build_from_vectors(list(range(len(vectors))), vectors)
        record["build_s"] = time.perf_counter() - start
        index = ChunkIndex(search, dict(enumerate(chunks)), {"corpus_hash": "synthetic", "embedder": _Named.name, "settings": settings})
        record["query_ms"] = _ms_per_query(lambda q: search.search_vectors(q, K), queries[:single_queries], one_at_a_time=True)
        record["batch_query_ms"] = _ms_per_query(lambda q: search.search_vectors(q, K), queries, one_at_a_time=False)
        found = np.array([[i for i, _ in row] for row in search.search_vectors(queries, K)])
        record["recall_at_10"] = float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))
        record["delete_doc_ms"] = _ms_per_deletion(index, deletions)
        directory = Path(tempfile.mkdtemp(prefix="ragvsft-bench-"))
        try:
            start = time.perf_counter()
            save_index(index, directory)
            record["save_s"] = time.perf_counter() - start
            index = search = None  # freed before loading, so load_s and peak RSS are the loaded copy's
            start = time.perf_counter()
            loaded = load_index(directory, embedder=_Named(), corpus_hash="synthetic")
            record["load_s"] = time.perf_counter() - start
            record["size_mb"] = sum(f.stat().st_size for f in directory.iterdir()) / 2**20
            del loaded
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    return record


def _ms_per_query(search, queries: np.ndarray, *, one_at_a_time: bool) -> float:
    start = time.perf_counter()
    if one_at_a_time:
        for q in queries:
            search(q[None, :])
    else:
        search(queries)
    return (time.perf_counter() - start) * 1000 / len(queries)


def _ms_per_deletion(index: ChunkIndex, deletions: int) -> float:
    """Median over `deletions` documents, each removed on its own (as an update round does)."""
    doc_ids = sorted(index.ids_by_doc)[:: max(1, len(index.ids_by_doc) // deletions)][:deletions]
    times = []
    for doc_id in doc_ids:
        start = time.perf_counter()
        index.remove_documents({doc_id})
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _noise(rng, rows: int, scale: float) -> np.ndarray:
    return rng.standard_normal((rows, DIM), dtype=np.float32) * np.float32(scale / np.sqrt(DIM))

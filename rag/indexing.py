"""Corpus -> chunks -> index, reusing a saved index whose inputs are unchanged, and updating an
index in place when documents change (only the changed documents are chunked and indexed again)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from core.config import RagConfig
from core.corpus import Corpus, Document
from core.errors import InputError
from rag.chunking import chunk
from rag.index import ChunkIndex, build_index, load_index, save_index
from rag.retrievers import search_settings

log = logging.getLogger(__name__)


def index_corpus(corpus: Corpus, embedder, cfg: RagConfig) -> ChunkIndex:
    chunks = chunk(corpus.documents, cfg.chunk_size, cfg.chunk_overlap)
    meta = {"corpus_hash": corpus.content_hash(), "chunk_size": cfg.chunk_size, "chunk_overlap": cfg.chunk_overlap}
    return build_index(chunks, search_settings(cfg), embedder, meta)


def update_index(index: ChunkIndex, before: Corpus, after: Corpus) -> dict[str, int]:
    """Bring an index of `before` to `after` in place: drop the chunks of changed and removed
    documents, index the chunks of changed and new ones. Returns what it touched."""
    old = before.by_doc_id()
    changed: list[Document] = [d for d in after.documents if old.get(d.id) != d]
    removed = old.keys() - {d.id for d in after.documents}
    chunks_removed = index.remove_documents({d.id for d in changed} | removed)
    new_chunks = chunk(changed, index.meta["chunk_size"], index.meta["chunk_overlap"])
    if new_chunks:
        index.add_chunks(new_chunks)
    index.meta["corpus_hash"] = after.content_hash()
    return {
        "documents_indexed": len(changed),
        "documents_removed": len(removed),
        "chunks_removed": chunks_removed,
        "chunks_added": len(new_chunks),
    }


def matching_index(directory: str | Path, corpus: Corpus, embedder, cfg: RagConfig) -> ChunkIndex | None:
    """The index saved in `directory` if it was built from these inputs, else None."""
    try:
        index = load_index(directory, embedder=embedder, corpus_hash=corpus.content_hash())
    except InputError:
        return None  # missing, or built from another corpus, embedder or format
    built_with = (index.meta["chunk_size"], index.meta["chunk_overlap"], index.meta["settings"])
    return index if built_with == (cfg.chunk_size, cfg.chunk_overlap, search_settings(cfg)) else None


def ensure_index(directory: str | Path, corpus: Corpus, embedder, cfg: RagConfig) -> tuple[ChunkIndex, bool]:
    """(index, reused): load the saved index if it was built from the same inputs, else rebuild and save."""
    index = matching_index(directory, corpus, embedder, cfg)
    if index is not None:
        log.info("reusing the index in %s", directory)
        return index, True
    start = time.perf_counter()
    index = index_corpus(corpus, embedder, cfg)
    # kept in the index's metadata so a run that reuses the index still reports what it cost
    index.meta["build_seconds"] = time.perf_counter() - start
    save_index(index, directory)
    return index, False


def index_stats(directory: str | Path, index: ChunkIndex, reused: bool) -> dict:
    """What the RAG arm's set-up cost: build time (chunk + embed + index), size on disk, chunks."""
    files = [f for f in Path(directory).rglob("*") if f.is_file() and not f.name.startswith(".")]
    return {
        "retriever": index.meta["settings"]["retriever"],
        "chunks": len(index.chunks),
        **index.retriever.describe(),
        "build_seconds": index.meta.get("build_seconds"),
        "size_mb": sum(f.stat().st_size for f in files) / 2**20,
        "reused": reused,
    }

"""Corpus -> chunks -> embeddings -> index, reusing a saved index whose inputs are unchanged."""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import RagConfig
from core.corpus import Corpus
from core.errors import InputError
from rag.chunking import chunk
from rag.embedding import Embedder
from rag.index import ChunkIndex, IndexSettings, build_index, load_index, save_index

log = logging.getLogger(__name__)


def index_settings(cfg: RagConfig) -> IndexSettings:
    return IndexSettings(cfg.index, cfg.hnsw_m, cfg.ivf_nlist, cfg.ivf_nprobe)


def index_corpus(corpus: Corpus, embedder: Embedder, cfg: RagConfig) -> ChunkIndex:
    chunks = chunk(corpus.documents, cfg.chunk_size, cfg.chunk_overlap)
    # The title is embedded with each chunk: many chunks never repeat what their document is about.
    vectors = embedder.encode([f"{c.title}\n{c.text}" for c in chunks])
    meta = {
        "embedder": embedder.name,
        "corpus_hash": corpus.content_hash(),
        "chunk_size": cfg.chunk_size,
        "chunk_overlap": cfg.chunk_overlap,
    }
    return build_index(chunks, vectors, index_settings(cfg), meta)


def ensure_index(directory: str | Path, corpus: Corpus, embedder: Embedder, cfg: RagConfig) -> tuple[ChunkIndex, bool]:
    """(index, reused): load the saved index if it was built from the same inputs, else rebuild and save."""
    directory = Path(directory)
    try:
        index = load_index(directory, embedder=embedder.name, corpus_hash=corpus.content_hash())
        built_with = (index.meta["chunk_size"], index.meta["chunk_overlap"], index.meta["settings"])
        if built_with == (cfg.chunk_size, cfg.chunk_overlap, vars(index_settings(cfg))):
            log.info("reusing the index in %s", directory)
            return index, True
    except InputError:
        pass  # missing or built from other inputs: rebuild below
    index = index_corpus(corpus, embedder, cfg)
    save_index(index, directory)
    return index, False

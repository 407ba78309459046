"""The chunk index every retriever shares, persisted as `meta.json` plus the retriever's files.

`ChunkIndex` owns the chunks and their stable integer ids; the retriever (rag/retrievers.py)
ranks ids. A document update removes that document's chunks and adds its new ones under fresh
ids, so only what changed is re-embedded (`remove_documents`, `add_chunks`).

The metadata records what the index means (retriever and its settings, embedder id, the corpus
hash, chunking settings, the chunks themselves with their ids). Loading checks them against what
the caller expects, so searching an index built with another embedder or corpus fails with one
sentence instead of silently returning nonsense.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from core.errors import InputError
from core.rundir import read_json, write_json
from rag.chunking import Chunk
from rag.retrievers import RETRIEVERS, Search, new_search

META_FILE = "meta.json"
FORMAT = 3  # 3: retrievers (dense, bm25, hybrid) behind one chunk list; 2 was FAISS only


@dataclass
class ChunkIndex:
    retriever: Search
    chunks: dict[int, Chunk]  # id -> chunk
    meta: dict

    def search(self, queries: list[str], k: int) -> list[list[tuple[Chunk, float]]]:
        """Top-k chunks per query, best first, with the retriever's scores."""
        return [[(self.chunks[i], score) for i, score in row] for row in self.retriever.search(queries, k)]

    def remove_documents(self, doc_ids: set[str]) -> int:
        """Drop every chunk of these documents; returns how many chunks went."""
        gone = [i for i, c in self.chunks.items() if c.doc_id in doc_ids]
        if gone:
            self.retriever.remove(gone)
            for i in gone:
                del self.chunks[i]
        return len(gone)

    def add_chunks(self, chunks: list[Chunk]) -> None:
        """Add chunks under fresh ids."""
        ids = self._fresh_ids(len(chunks))
        self.retriever.add(ids, chunks)
        self.chunks.update(zip(ids, chunks))

    def _fresh_ids(self, n: int) -> list[int]:
        start = max(self.chunks, default=-1) + 1
        return list(range(start, start + n))


def build_index(chunks: list[Chunk], settings: dict, embedder, meta: dict) -> ChunkIndex:
    """An index of `chunks` with the retriever `settings` name; `meta` must name corpus_hash and chunking."""
    if not chunks:
        raise InputError("the corpus produced no chunks to index")
    retriever = new_search(settings, embedder)
    index = ChunkIndex(retriever, {}, {**meta, "embedder": embedder.name if retriever.uses_embedder else None, "settings": settings})
    ids = index._fresh_ids(len(chunks))  # 0..n-1
    retriever.build(ids, chunks)
    index.chunks.update(zip(ids, chunks))
    return index


def save_index(index: ChunkIndex, directory: str | Path) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    index.retriever.save(directory)
    chunks = [{"index_id": i, **asdict(c)} for i, c in index.chunks.items()]
    # written last: its presence marks a complete index
    write_json(directory / META_FILE, {**index.meta, "format": FORMAT, "chunks": chunks})


def load_index(directory: str | Path, *, embedder, corpus_hash: str) -> ChunkIndex:
    """Load an index and check it was built from this corpus (and, where it matters, with this embedder)."""
    directory = Path(directory)
    if not (directory / META_FILE).is_file():
        raise InputError(f"no index in {directory}; build one with `ragvsft index`")
    meta = read_json(directory / META_FILE)
    if meta.get("format") != FORMAT:
        raise InputError(f"the index in {directory} is in an older format; rebuild it")
    settings = meta["settings"]
    if settings.get("retriever") not in RETRIEVERS:
        raise InputError(f"the index in {directory} uses retriever {settings.get('retriever')!r}, which this version does not have")
    if RETRIEVERS[settings["retriever"]].uses_embedder and meta.get("embedder") != embedder.name:
        raise InputError(f"the index in {directory} was built with embedder {meta.get('embedder')!r}, not {embedder.name!r}; rebuild it")
    if meta.get("corpus_hash") != corpus_hash:
        raise InputError(f"the index in {directory} was built from a different corpus (hash {meta.get('corpus_hash')}); rebuild it")
    chunks = {c.pop("index_id"): Chunk(**c) for c in meta.pop("chunks")}
    meta.pop("format")
    retriever = RETRIEVERS[settings["retriever"]].load(directory, settings, embedder, chunks)
    return ChunkIndex(retriever, chunks, meta)

"""The chunk index every retriever shares, persisted as `meta.json`, `chunks.arrow` and the
retriever's files.

`ChunkIndex` owns the chunks and their stable integer ids; the retriever (rag/retrievers.py)
ranks ids. A document update removes that document's chunks and adds its new ones under fresh
ids, so only what changed is re-embedded (`remove_documents`, `add_chunks`).

The metadata records what the index means (retriever and its settings, embedder id, the corpus
hash, chunking settings). Loading checks them against what the caller expects, so searching an
index built with another embedder or corpus fails with one sentence instead of silently returning
nonsense. The chunks themselves (id, text, document) are an Arrow table, not JSON: a million
chunks save and load in about a second, and pandas, polars or DuckDB read the file as it is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path

import pyarrow as pa

from core.errors import InputError
from core.rundir import read_json, write_file, write_json
from rag.chunking import Chunk
from rag.retrievers import RETRIEVERS, Search, new_search

META_FILE = "meta.json"
CHUNKS_FILE = "chunks.arrow"
FORMAT = 4  # 4: chunks in an Arrow file; 3 kept them in meta.json; 2 was FAISS only
CHUNK_COLUMNS = [f.name for f in fields(Chunk)]


@dataclass
class ChunkIndex:
    retriever: Search
    chunks: dict[int, Chunk]  # id -> chunk
    meta: dict
    # doc id -> its chunks' ids: removing a document must not scan a million chunks
    ids_by_doc: dict[str, list[int]] = field(init=False, repr=False)

    def __post_init__(self):
        self.ids_by_doc = defaultdict(list)
        for i, c in self.chunks.items():
            self.ids_by_doc[c.doc_id].append(i)
        # Ids are never reused: a removed HNSW chunk stays in the graph under its id (rag/dense.py).
        self.meta.setdefault("next_id", max(self.chunks, default=-1) + 1)

    def search(self, queries: list[str], k: int) -> list[list[tuple[Chunk, float]]]:
        """Top-k chunks per query, best first, with the retriever's scores."""
        return [[(self.chunks[i], score) for i, score in row] for row in self.retriever.search(queries, k)]

    def remove_documents(self, doc_ids: set[str]) -> int:
        """Drop every chunk of these documents; returns how many chunks went."""
        gone = [i for d in doc_ids for i in self.ids_by_doc.pop(d, [])]
        if gone:
            self.retriever.remove(gone)
            for i in gone:
                del self.chunks[i]
        return len(gone)

    def add_chunks(self, chunks: list[Chunk]) -> None:
        """Add chunks under fresh ids."""
        ids = self._fresh_ids(len(chunks))
        self.retriever.add(ids, chunks)
        self._record(ids, chunks)

    def _record(self, ids: list[int], chunks: list[Chunk]) -> None:
        for i, c in zip(ids, chunks):
            self.chunks[i] = c
            self.ids_by_doc[c.doc_id].append(i)

    def _fresh_ids(self, n: int) -> list[int]:
        start = self.meta["next_id"]
        self.meta["next_id"] = start + n
        return list(range(start, start + n))


def build_index(chunks: list[Chunk], settings: dict, embedder, meta: dict) -> ChunkIndex:
    """An index of `chunks` with the retriever `settings` name; `meta` must name corpus_hash and chunking."""
    if not chunks:
        raise InputError("the corpus produced no chunks to index")
    retriever = new_search(settings, embedder)
    index = ChunkIndex(retriever, {}, {**meta, "embedder": embedder.name if retriever.uses_embedder else None, "settings": settings})
    ids = index._fresh_ids(len(chunks))  # 0..n-1
    retriever.build(ids, chunks)
    index._record(ids, chunks)
    return index


def save_index(index: ChunkIndex, directory: str | Path) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    index.retriever.save(directory)
    _write_chunks(directory / CHUNKS_FILE, index.chunks)
    # written last: its presence marks a complete index
    write_json(directory / META_FILE, {**index.meta, "format": FORMAT})


def require_index(directory: str | Path) -> None:
    """An InputError saying how to build one unless `directory` holds a saved index (checked before models load)."""
    if not (Path(directory) / META_FILE).is_file():
        raise InputError(f"no index in {directory}; build one with `ragvsft index`")


def load_index(directory: str | Path, *, embedder, corpus_hash: str) -> ChunkIndex:
    """Load an index and check it was built from this corpus (and, where it matters, with this embedder)."""
    directory = Path(directory)
    require_index(directory)
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
    chunks = read_chunks(directory / CHUNKS_FILE)
    meta.pop("format")
    retriever = RETRIEVERS[settings["retriever"]].load(directory, settings, embedder, chunks)
    return ChunkIndex(retriever, chunks, meta)


def _write_chunks(path: Path, chunks: dict[int, Chunk]) -> None:
    columns = {"index_id": pa.array(list(chunks), pa.int64())}
    for name in CHUNK_COLUMNS:
        columns[name] = pa.array([getattr(c, name) for c in chunks.values()], pa.string())
    table = pa.table(columns)

    def write(tmp: Path) -> None:
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)

    write_file(path, write)


def read_chunks(path: Path) -> dict[int, Chunk]:
    """The chunk table of a saved index (`<index dir>/chunks.arrow`)."""
    if not path.is_file():
        raise InputError(f"no {CHUNKS_FILE} in {path.parent}; rebuild the index")
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    columns = [table.column(name).to_pylist() for name in CHUNK_COLUMNS]
    return dict(zip(table.column("index_id").to_pylist(), (Chunk(*row) for row in zip(*columns))))

"""The FAISS index over chunk embeddings, persisted as `index.faiss` plus `meta.json`.

The metadata records what the vectors mean (embedder id, dimension, the corpus hash, chunking
settings, the chunks themselves with their FAISS ids). Loading checks them against what the caller
expects, so searching an index built with another embedder or corpus fails with one sentence
instead of silently returning nonsense or tripping a FAISS assertion.

Every chunk has a stable id in an `IndexIDMap2`, so a document update removes that document's
chunks and adds its new ones without re-embedding anything else (`remove_documents`,
`add_chunks`). HNSW graphs cannot delete; for them the graph is rebuilt from the stored vectors
of the chunks that stay (still no re-embedding).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from core.errors import InputError
from core.rundir import read_json, write_json
from rag.chunking import Chunk

INDEX_FILE, META_FILE = "index.faiss", "meta.json"
FORMAT = 2  # 2: chunks keyed by FAISS id in an IndexIDMap2 (1 was positional)


@dataclass
class IndexSettings:
    kind: str = "flat"  # flat | hnsw | ivf
    hnsw_m: int = 32
    ivf_nlist: int = 16
    ivf_nprobe: int = 4


@dataclass
class ChunkIndex:
    faiss_index: faiss.IndexIDMap2
    chunks: dict[int, Chunk]  # FAISS id -> chunk
    meta: dict

    def search(self, query_vectors: np.ndarray, k: int) -> list[list[tuple[Chunk, float]]]:
        """Top-k chunks per query, best first, with their inner-product scores."""
        k = min(k, len(self.chunks))
        scores, ids = self.faiss_index.search(np.ascontiguousarray(query_vectors, dtype=np.float32), k)
        return [[(self.chunks[int(i)], float(s)) for i, s in zip(row_ids, row_scores) if i >= 0] for row_ids, row_scores in zip(ids, scores)]

    def remove_documents(self, doc_ids: set[str]) -> int:
        """Drop every chunk of these documents; returns how many chunks went."""
        gone = [i for i, c in self.chunks.items() if c.doc_id in doc_ids]
        if not gone:
            return 0
        if self.meta["settings"]["kind"] == "hnsw":
            gone_set = set(gone)
            self._rebuild_keeping([i for i in self.chunks if i not in gone_set])
        else:
            self.faiss_index.remove_ids(np.array(gone, dtype=np.int64))
        for i in gone:
            del self.chunks[i]
        return len(gone)

    def add_chunks(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Add chunks (row i of `vectors` embeds chunks[i]) under fresh ids."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        start = max(self.chunks, default=-1) + 1
        ids = np.arange(start, start + len(chunks), dtype=np.int64)
        self.faiss_index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        self.chunks.update(zip(ids.tolist(), chunks))

    def _rebuild_keeping(self, ids: list[int]) -> None:
        vectors = np.stack([self.faiss_index.reconstruct(i) for i in ids]) if ids else np.zeros((0, self.faiss_index.d), np.float32)
        index = _new_faiss_index(IndexSettings(**self.meta["settings"]), self.faiss_index.d, len(ids))
        index.add_with_ids(vectors, np.array(ids, dtype=np.int64))
        self.faiss_index = index


def build_index(chunks: list[Chunk], vectors: np.ndarray, settings: IndexSettings, meta: dict) -> ChunkIndex:
    """An index over `vectors` (row i embeds chunks[i]); `meta` must name embedder and corpus_hash."""
    if not chunks:
        raise InputError("the corpus produced no chunks to index")
    dim = vectors.shape[1]
    index = _new_faiss_index(settings, dim, len(chunks))
    if not index.is_trained:
        index.train(vectors)
    built = ChunkIndex(index, {}, {**meta, "dimension": dim, "settings": asdict(settings)})
    built.add_chunks(chunks, vectors)  # ids 0..n-1
    return built


def save_index(index: ChunkIndex, directory: str | Path) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{INDEX_FILE}.tmp"
    faiss.write_index(index.faiss_index, str(tmp))
    tmp.replace(directory / INDEX_FILE)
    chunks = [{"faiss_id": i, **asdict(c)} for i, c in index.chunks.items()]
    # written last: its presence marks a complete index
    write_json(directory / META_FILE, {**index.meta, "format": FORMAT, "chunks": chunks})


def load_index(directory: str | Path, *, embedder: str, corpus_hash: str) -> ChunkIndex:
    """Load an index and check it was built with this embedder from this corpus."""
    directory = Path(directory)
    if not (directory / META_FILE).is_file() or not (directory / INDEX_FILE).is_file():
        raise InputError(f"no index in {directory}; build one with scripts/build_index.py")
    meta = read_json(directory / META_FILE)
    if meta.get("format") != FORMAT:
        raise InputError(f"the index in {directory} is in an older format; rebuild it")
    if meta.get("embedder") != embedder:
        raise InputError(
            f"the index in {directory} was built with embedder {meta.get('embedder')!r}, not {embedder!r}; rebuild it"
        )
    if meta.get("corpus_hash") != corpus_hash:
        raise InputError(f"the index in {directory} was built from a different corpus (hash {meta.get('corpus_hash')}); rebuild it")
    index = faiss.read_index(str(directory / INDEX_FILE))
    if index.d != meta["dimension"] or index.ntotal != len(meta["chunks"]):
        raise InputError(f"the index in {directory} does not match its {META_FILE}; rebuild it")
    _set_search_params(faiss.downcast_index(index.index), IndexSettings(**meta["settings"]))
    chunks = {c.pop("faiss_id"): Chunk(**c) for c in meta.pop("chunks")}
    meta.pop("format")
    return ChunkIndex(index, chunks, meta)


def _new_faiss_index(settings: IndexSettings, dim: int, n: int) -> faiss.IndexIDMap2:
    """An empty (for ivf: untrained) index of the configured kind behind an id map."""
    return faiss.IndexIDMap2(_new_base_index(settings, dim, n))


def _new_base_index(settings: IndexSettings, dim: int, n: int) -> faiss.Index:
    # Vectors are normalized, so inner product is cosine similarity for every kind.
    if settings.kind == "flat":
        return faiss.IndexFlatIP(dim)
    if settings.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    elif settings.kind == "ivf":
        # k-means needs a few dozen points per cluster; cap nlist so small corpora still train.
        nlist = max(1, min(settings.ivf_nlist, n // 39))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    else:
        raise InputError(f"rag.index: unknown index kind {settings.kind!r}")
    _set_search_params(index, settings)
    return index


def _set_search_params(index: faiss.Index, settings: IndexSettings) -> None:
    if settings.kind == "hnsw":
        faiss.downcast_index(index).hnsw.efSearch = 128
    elif settings.kind == "ivf":
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = min(settings.ivf_nprobe, ivf.nlist)

"""Dense retrieval: chunk embeddings in a FAISS index (`flat`, `hnsw` or `ivf`), persisted as
`index.faiss`.

Every chunk has a stable id in an `IndexIDMap2`, so a document update removes that document's
chunks and adds its new ones without re-embedding anything else. HNSW graphs cannot delete; for
them the graph is rebuilt from the stored vectors of the chunks that stay (still no re-embedding).
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from core.config import RagConfig
from core.errors import InputError
from rag.chunking import Chunk

INDEX_FILE = "index.faiss"


def embedded_text(chunk: Chunk) -> str:
    # The title is embedded with each chunk: many chunks never repeat what their document is about.
    return f"{chunk.title}\n{chunk.text}"


class DenseSearch:
    """Inner-product search over normalized embeddings (cosine similarity), best first."""

    uses_embedder = True

    def __init__(self, settings: dict, embedder):
        self.settings, self.embedder = settings, embedder
        self.faiss_index: faiss.IndexIDMap2 | None = None

    @staticmethod
    def settings_from(cfg: RagConfig) -> dict:
        return {"index": cfg.index, "hnsw_m": cfg.hnsw_m, "ivf_nlist": cfg.ivf_nlist, "ivf_nprobe": cfg.ivf_nprobe}

    def build(self, ids: list[int], chunks: list[Chunk]) -> None:
        vectors = self._embed(chunks)
        self.faiss_index = _new_faiss_index(self.settings, vectors.shape[1], len(chunks))
        if not self.faiss_index.is_trained:
            self.faiss_index.train(vectors)
        self._add_vectors(ids, vectors)

    def add(self, ids: list[int], chunks: list[Chunk]) -> None:
        self._add_vectors(ids, self._embed(chunks))

    def remove(self, ids: list[int]) -> None:
        if self.settings["index"] == "hnsw":
            gone = set(ids)
            keep = [int(i) for i in faiss.vector_to_array(self.faiss_index.id_map) if int(i) not in gone]
            self._rebuild_keeping(keep)
        else:
            self.faiss_index.remove_ids(np.array(ids, dtype=np.int64))

    def search(self, queries: list[str], k: int) -> list[list[tuple[int, float]]]:
        k = min(k, self.faiss_index.ntotal)
        scores, ids = self.faiss_index.search(self.embedder.encode(queries), k)
        return [[(int(i), float(s)) for i, s in zip(row_ids, row_scores) if i >= 0] for row_ids, row_scores in zip(ids, scores)]

    def describe(self) -> dict:
        return {"dimension": self.faiss_index.d}

    def save(self, directory: Path) -> None:
        tmp = directory / f".{INDEX_FILE}.tmp"
        faiss.write_index(self.faiss_index, str(tmp))
        tmp.replace(directory / INDEX_FILE)

    @classmethod
    def load(cls, directory: Path, settings: dict, embedder, chunks: dict[int, Chunk]) -> DenseSearch:
        if not (directory / INDEX_FILE).is_file():
            raise InputError(f"no {INDEX_FILE} in {directory}; rebuild the index")
        search = cls(settings, embedder)
        search.faiss_index = faiss.read_index(str(directory / INDEX_FILE))
        if search.faiss_index.ntotal != len(chunks):
            raise InputError(f"the index in {directory} does not match its chunk list; rebuild it")
        _set_search_params(faiss.downcast_index(search.faiss_index.index), settings)
        return search

    def _embed(self, chunks: list[Chunk]) -> np.ndarray:
        return self.embedder.encode([embedded_text(c) for c in chunks])

    def _add_vectors(self, ids: list[int], vectors: np.ndarray) -> None:
        self.faiss_index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.array(ids, dtype=np.int64))

    def _rebuild_keeping(self, ids: list[int]) -> None:
        d = self.faiss_index.d
        vectors = np.stack([self.faiss_index.reconstruct(i) for i in ids]) if ids else np.zeros((0, d), np.float32)
        index = _new_faiss_index(self.settings, d, len(ids))
        index.add_with_ids(vectors, np.array(ids, dtype=np.int64))
        self.faiss_index = index


def _new_faiss_index(settings: dict, dim: int, n: int) -> faiss.IndexIDMap2:
    """An empty (for ivf: untrained) index of the configured kind behind an id map."""
    return faiss.IndexIDMap2(_new_base_index(settings, dim, n))


def _new_base_index(settings: dict, dim: int, n: int) -> faiss.Index:
    # Vectors are normalized, so inner product is cosine similarity for every kind.
    kind = settings["index"]
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, settings["hnsw_m"], faiss.METRIC_INNER_PRODUCT)
    elif kind == "ivf":
        # k-means needs a few dozen points per cluster; cap nlist so small corpora still train.
        nlist = max(1, min(settings["ivf_nlist"], n // 39))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    else:
        raise InputError(f"rag.index: unknown index kind {kind!r}")
    _set_search_params(index, settings)
    return index


def _set_search_params(index: faiss.Index, settings: dict) -> None:
    if settings["index"] == "hnsw":
        faiss.downcast_index(index).hnsw.efSearch = 128
    elif settings["index"] == "ivf":
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = min(settings["ivf_nprobe"], ivf.nlist)

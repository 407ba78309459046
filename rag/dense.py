"""Dense retrieval: chunk embeddings in a FAISS index (`flat`, `hnsw` or `ivf`), persisted as
`index.faiss`.

Every chunk has a stable id (IVF lists store ids themselves; flat and HNSW indexes sit behind an
`IndexIDMap`), so a document update removes that document's chunks and adds its new ones without
re-embedding anything else. Flat and IVF indexes delete in place. HNSW graphs cannot delete, and
rebuilding one costs minutes at a million chunks, so a deleted HNSW chunk becomes a tombstone: searches skip it (a FAISS id selector), its node stays in
the graph as a waypoint, and the graph is rebuilt from the stored vectors (no re-embedding) only
once tombstones pass `HNSW_REBUILD_FRACTION` of it, which keeps the rebuild's cost amortized
over many deletions.
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

from core.config import RagConfig
from core.errors import InputError
from core.rundir import write_file
from rag.chunking import Chunk

INDEX_FILE = "index.faiss"
TOMBSTONES_FILE = "tombstones.npy"
HNSW_REBUILD_FRACTION = 0.2  # share of an HNSW graph that may be tombstones before it is rebuilt
# FAISS's default of 40 gave recall@10 0.94 at 100k clustered vectors, 100 gave 0.998 and faster
# searches (a better graph) for 1.6x the build time; at a million, 64 gave 0.91 at efSearch 512
# where 100 gave 0.98 (ragvsft bench).
HNSW_EF_CONSTRUCTION = 100
IVF_POINTS_PER_LIST = 39  # k-means needs a few dozen points per cluster; fewer lists below that
IVF_TRAIN_POINTS_PER_LIST = 64  # k-means sample per list: FAISS's 256 makes training minutes at 1M


def embedded_text(chunk: Chunk) -> str:
    # The title is embedded with each chunk: many chunks never repeat what their document is about.
    return f"{chunk.title}\n{chunk.text}"


def ivf_lists(settings: dict, n: int) -> int:
    """IVF clusters: the configured number, else 4 sqrt(n) (the usual rule: lists of ~sqrt(n)/4
    vectors keep both the centroid scan and the list scans short); never more than n/39."""
    wanted = settings["ivf_nlist"] or round(4 * math.sqrt(n))
    return max(1, min(wanted, n // IVF_POINTS_PER_LIST))


class DenseSearch:
    """Inner-product search over normalized embeddings (cosine similarity), best first."""

    uses_embedder = True

    def __init__(self, settings: dict, embedder):
        self.settings, self.embedder = settings, embedder
        self.faiss_index: faiss.Index | None = None
        self.tombstones: set[int] = set()  # HNSW ids deleted but still in the graph
        self._search_params = None

    @staticmethod
    def settings_from(cfg: RagConfig) -> dict:
        return {
            "index": cfg.index, "hnsw_m": cfg.hnsw_m, "hnsw_ef_search": cfg.hnsw_ef_search,
            "ivf_nlist": cfg.ivf_nlist, "ivf_nprobe": cfg.ivf_nprobe,
        }

    def build(self, ids: list[int], chunks: list[Chunk]) -> None:
        self.build_from_vectors(ids, self._embed(chunks))

    def build_from_vectors(self, ids: list[int], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.faiss_index = _new_faiss_index(self.settings, vectors.shape[1], len(vectors))
        if not self.faiss_index.is_trained:
            self.faiss_index.train(_training_sample(vectors, self.faiss_index.nlist))
        self._add_vectors(ids, vectors)
        self._set_tombstones(set())

    def add(self, ids: list[int], chunks: list[Chunk]) -> None:
        self._add_vectors(ids, self._embed(chunks))

    def remove(self, ids: list[int]) -> None:
        if self.settings["index"] != "hnsw":
            self.faiss_index.remove_ids(np.array(ids, dtype=np.int64))
            return
        tombstones = self.tombstones | set(ids)
        if len(tombstones) > HNSW_REBUILD_FRACTION * self.faiss_index.ntotal:
            self._rebuild_without(tombstones)
        else:
            self._set_tombstones(tombstones)

    @property
    def size(self) -> int:
        """Searchable vectors (tombstones excluded)."""
        return self.faiss_index.ntotal - len(self.tombstones)

    def search(self, queries: list[str], k: int) -> list[list[tuple[int, float]]]:
        return self.search_vectors(self.embedder.encode(queries), k)

    def search_vectors(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        k = min(k, self.size)
        if k == 0:  # every chunk deleted: FAISS asserts k > 0
            return [[] for _ in range(len(vectors))]
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        scores, ids = self.faiss_index.search(vectors, k, params=self._search_params)
        return [[(int(i), float(s)) for i, s in zip(row_ids, row_scores) if i >= 0] for row_ids, row_scores in zip(ids, scores)]

    def describe(self) -> dict:
        return {"dimension": self.faiss_index.d}

    def save(self, directory: Path) -> None:
        tombstones = np.array(sorted(self.tombstones), dtype=np.int64)

        def write_tombstones(tmp: Path) -> None:
            with tmp.open("wb") as fh:  # a file object: np.save would add ".npy" to a path
                np.save(fh, tombstones)

        write_file(directory / TOMBSTONES_FILE, write_tombstones)
        write_file(directory / INDEX_FILE, lambda tmp: faiss.write_index(self.faiss_index, str(tmp)))

    @classmethod
    def load(cls, directory: Path, settings: dict, embedder, chunks: dict[int, Chunk]) -> DenseSearch:
        if not (directory / INDEX_FILE).is_file():
            raise InputError(f"no {INDEX_FILE} in {directory}; rebuild the index")
        search = cls(settings, embedder)
        search.faiss_index = faiss.read_index(str(directory / INDEX_FILE))  # comes back as its own class
        tombstones = directory / TOMBSTONES_FILE
        search._set_tombstones(set(np.load(tombstones).tolist()) if tombstones.is_file() else set())
        if search.size != len(chunks):
            raise InputError(f"the index in {directory} does not match its chunk list; rebuild it")
        _set_search_params(_base(search.faiss_index), settings)
        return search

    def _embed(self, chunks: list[Chunk]) -> np.ndarray:
        return self.embedder.encode([embedded_text(c) for c in chunks])

    def _add_vectors(self, ids: list[int], vectors: np.ndarray) -> None:
        self.faiss_index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.array(ids, dtype=np.int64))

    def _set_tombstones(self, tombstones: set[int]) -> None:
        self.tombstones = tombstones
        if not tombstones:
            self._search_params = None
            return
        # The selector is kept on self: FAISS holds a raw pointer to it.
        self._excluded = faiss.IDSelectorBatch(np.array(sorted(tombstones), dtype=np.int64))
        self._selector = faiss.IDSelectorNot(self._excluded)
        self._search_params = faiss.SearchParametersHNSW(sel=self._selector, efSearch=self.settings["hnsw_ef_search"])

    def _rebuild_without(self, gone: set[int]) -> None:
        """A fresh graph of the vectors that stay, read from the graph's own storage."""
        hnsw = _base(self.faiss_index)
        d = self.faiss_index.d
        vectors = faiss.rev_swig_ptr(faiss.downcast_index(hnsw.storage).get_xb(), hnsw.ntotal * d).reshape(-1, d)
        ids = faiss.vector_to_array(self.faiss_index.id_map)
        keep = ~np.isin(ids, np.fromiter(gone, dtype=np.int64, count=len(gone)))
        self.faiss_index = _new_faiss_index(self.settings, d, int(keep.sum()))
        self._add_vectors(ids[keep].tolist(), vectors[keep].copy())
        self._set_tombstones(set())


def _new_faiss_index(settings: dict, dim: int, n: int) -> faiss.Index:
    """An empty (for ivf: untrained) index of the configured kind that takes ids with its vectors.

    An IVF index keeps ids in its lists; wrapped in an `IndexIDMap` its removals would shift the
    map's positions but not the lists' (FAISS expects IVF to hold the ids), so it is used bare.
    Vectors are normalized, so inner product is cosine similarity for every kind.
    """
    kind = settings["index"]
    if kind == "flat":
        return faiss.IndexIDMap(faiss.IndexFlatIP(dim))
    if kind == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dim, settings["hnsw_m"], faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index = faiss.IndexIDMap(hnsw)
    elif kind == "ivf":
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, ivf_lists(settings, n), faiss.METRIC_INNER_PRODUCT)
    else:
        raise InputError(f"rag.index: unknown index kind {kind!r}")
    _set_search_params(_base(index), settings)
    return index


def _base(index: faiss.Index) -> faiss.Index:
    """The index under the id map, if there is one."""
    return faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index


def _training_sample(vectors: np.ndarray, nlist: int) -> np.ndarray:
    """An evenly spaced sample for k-means (deterministic; FAISS would otherwise draw its own)."""
    wanted = IVF_TRAIN_POINTS_PER_LIST * nlist
    return vectors if len(vectors) <= wanted else vectors[np.linspace(0, len(vectors) - 1, wanted).astype(np.int64)]


def _set_search_params(index: faiss.Index, settings: dict) -> None:
    if settings["index"] == "hnsw":
        faiss.downcast_index(index).hnsw.efSearch = settings["hnsw_ef_search"]
    elif settings["index"] == "ivf":
        index.nprobe = min(settings["ivf_nprobe"], index.nlist)


import faiss
import numpy as np
import pytest

from rag.dense import HNSW_REBUILD_FRACTION, DenseSearch, ivf_lists


def _unit_vectors(n, d=16, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(autouse=True)
def _one_thread():
    """FAISS inserts into an HNSW graph from several threads, which makes a tiny graph differ run to
    run; one thread makes these tests deterministic."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


def _hnsw(n):
    search = DenseSearch({"index": "hnsw", "hnsw_m": 8, "hnsw_ef_search": 64, "ivf_nlist": None, "ivf_nprobe": 4}, embedder=None)
    vectors = _unit_vectors(n)
    search.build_from_vectors(list(range(1000, 1000 + n)), vectors)
    return search, vectors


def _found(search, vectors, k=5):
    return {i for row in search.search_vectors(vectors, k) for i, _ in row}


def test_hnsw_deletion_hides_the_chunks_without_rebuilding_until_the_threshold(tmp_path):
    search, vectors = _hnsw(200)
    gone = list(range(1000, 1010))
    search.remove(gone)
    # a tombstone: still in the graph (no rebuild), never returned, even for its own vector
    assert search.faiss_index.ntotal == 200 and search.size == 190
    assert not _found(search, vectors) & set(gone)
    assert [row[0][0] for row in search.search_vectors(vectors[10:20], 1)] == list(range(1010, 1020))
    search.save(tmp_path)
    loaded = DenseSearch.load(tmp_path, search.settings, None, chunks=dict.fromkeys(range(190)))
    assert loaded.tombstones == set(gone) and not _found(loaded, vectors) & set(gone)
    # past the threshold the graph is rebuilt from its stored vectors, without the deleted ones
    more = list(range(1010, 1010 + int(HNSW_REBUILD_FRACTION * 200)))
    loaded.remove(more)
    assert loaded.faiss_index.ntotal == 200 - 10 - len(more) and loaded.tombstones == set()
    assert not _found(loaded, vectors) & set(gone + more)
    assert [row[0][0] for row in loaded.search_vectors(vectors[100:110], 1)] == list(range(1100, 1110))


def test_a_chunk_list_of_another_size_than_the_searchable_vectors_is_refused(tmp_path):
    search, _ = _hnsw(50)
    search.remove([1000])
    search.save(tmp_path)
    with pytest.raises(Exception, match="does not match its chunk list"):
        DenseSearch.load(tmp_path, search.settings, None, chunks=dict.fromkeys(range(50)))


@pytest.mark.parametrize(("configured", "n", "lists"), [(None, 1_000_000, 4000), (None, 10_000, 256), (None, 100, 2), (None, 10, 1), (16, 10_000, 16), (512, 1000, 25)])
def test_ivf_lists_follow_four_root_n_unless_set_and_leave_k_means_enough_points(configured, n, lists):
    assert ivf_lists({"ivf_nlist": configured}, n) == lists

import numpy as np
import pytest

from core.config import RagConfig
from core.corpus import load_corpus
from core.errors import InputError
from rag.chunking import chunk
from rag.index import IndexSettings, build_index, load_index, save_index
from rag.indexing import ensure_index, index_corpus
from rag.retriever import Retriever
from tests.conftest import HashingEmbedder, SMALL_DOCS, write_corpus


@pytest.fixture
def corpus(small_corpus_dir):
    return load_corpus(small_corpus_dir)


def _cfg(**kw):
    return RagConfig(chunk_size=12, chunk_overlap=0, **kw)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_each_index_kind_finds_the_right_document_and_survives_save_load(tmp_path, corpus, hashing_embedder, kind):
    index = index_corpus(corpus, hashing_embedder, _cfg(index=kind))
    retriever = Retriever(index, hashing_embedder, top_k=2)
    questions = corpus.split("eval")
    before = retriever(questions)
    assert [p[0].doc_id for p in before] == [q.doc_ids[0] for q in questions]
    save_index(index, tmp_path / "idx")
    loaded = load_index(tmp_path / "idx", embedder=hashing_embedder.name, corpus_hash=corpus.content_hash())
    after = Retriever(loaded, hashing_embedder, top_k=2)(questions)
    assert [[p.chunk_id for p in row] for row in after] == [[p.chunk_id for p in row] for row in before]
    assert [p.score for row in after for p in row] == pytest.approx([p.score for row in before for p in row])


def test_scores_are_sorted_best_first_and_k_is_capped_at_the_number_of_chunks(corpus, hashing_embedder):
    index = index_corpus(corpus, hashing_embedder, _cfg())
    rows = index.search(hashing_embedder.encode(["leave days"]), k=100)
    assert len(rows[0]) == len(index.chunks)
    scores = [s for _, s in rows[0]]
    assert scores == sorted(scores, reverse=True)


def test_metadata_records_embedder_dimension_chunks_and_corpus(tmp_path, corpus, hashing_embedder):
    index = index_corpus(corpus, hashing_embedder, _cfg())
    save_index(index, tmp_path / "idx")
    meta = load_index(tmp_path / "idx", embedder=hashing_embedder.name, corpus_hash=corpus.content_hash()).meta
    assert meta["embedder"] == "hashing-256" and meta["dimension"] == 256
    assert meta["corpus_hash"] == corpus.content_hash()
    assert [c["id"] for c in meta["chunks"]] == [c.id for c in index.chunks]


def test_loading_with_another_embedder_or_corpus_fails_with_one_sentence(tmp_path, corpus, hashing_embedder):
    save_index(index_corpus(corpus, hashing_embedder, _cfg()), tmp_path / "idx")
    with pytest.raises(InputError, match=r"built with embedder 'hashing-256', not 'other'; rebuild it"):
        load_index(tmp_path / "idx", embedder="other", corpus_hash=corpus.content_hash())
    with pytest.raises(InputError, match="different corpus"):
        load_index(tmp_path / "idx", embedder="hashing-256", corpus_hash="0" * 16)
    with pytest.raises(InputError, match="no index in"):
        load_index(tmp_path / "missing", embedder="hashing-256", corpus_hash=corpus.content_hash())


def test_ensure_index_reuses_only_when_inputs_are_unchanged(tmp_path, corpus, hashing_embedder):
    _, reused = ensure_index(tmp_path / "idx", corpus, hashing_embedder, _cfg())
    assert not reused
    _, reused = ensure_index(tmp_path / "idx", corpus, hashing_embedder, _cfg())
    assert reused
    _, reused = ensure_index(tmp_path / "idx", corpus, hashing_embedder, _cfg(index="hnsw"))
    assert not reused
    changed = load_corpus(write_corpus(tmp_path / "c2", [*SMALL_DOCS, {"id": "n", "title": "New", "text": "New doc."}]))
    index, reused = ensure_index(tmp_path / "idx", changed, hashing_embedder, _cfg(index="hnsw"))
    assert not reused and "n#0" in [c.id for c in index.chunks]
    assert not ensure_index(tmp_path / "idx", changed, HashingEmbedder(name="other"), _cfg(index="hnsw"))[1]


def test_vectors_must_match_chunks(corpus):
    chunks = chunk(corpus.documents, 12, 0)
    with pytest.raises(ValueError):
        build_index(chunks, np.zeros((len(chunks) - 1, 8), dtype=np.float32), IndexSettings(), {})

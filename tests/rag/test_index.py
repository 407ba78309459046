import numpy as np
import pytest

from core.config import RagConfig
from core.corpus import Corpus, Document, load_corpus
from core.errors import InputError
from rag.chunking import chunk
from rag.index import IndexSettings, build_index, load_index, save_index
from rag.indexing import ensure_index, index_corpus, update_index
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
    loaded = load_index(tmp_path / "idx", embedder=hashing_embedder.name, corpus_hash=corpus.content_hash())
    assert loaded.meta["embedder"] == "hashing-256" and loaded.meta["dimension"] == 256
    assert loaded.meta["corpus_hash"] == corpus.content_hash()
    assert loaded.chunks == index.chunks


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
    assert not reused and "n#0" in [c.id for c in index.chunks.values()]
    assert not ensure_index(tmp_path / "idx", changed, HashingEmbedder(name="other"), _cfg(index="hnsw"))[1]


def test_vectors_must_match_chunks(corpus):
    chunks = chunk(corpus.documents, 12, 0)
    with pytest.raises(ValueError):
        build_index(chunks, np.zeros((len(chunks) - 1, 8), dtype=np.float32), IndexSettings(), {})


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__()
        self.texts = []

    def encode(self, texts):
        self.texts += texts
        return super().encode(texts)


def _ranked(index, embedder, queries):
    """Each query's full ranking as (chunk id, text, score), ties in chunk-id order: FAISS ids may
    differ between the two indexes, what is found and how it scores may not."""
    rows = index.search(embedder.encode(queries), k=1000)
    return [sorted(((c.id, c.text, round(s, 5)) for c, s in row), key=lambda t: (-t[2], t[0])) for row in rows]


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_an_incremental_update_searches_exactly_like_a_full_rebuild(tmp_path, corpus, kind):
    docs = [dict(d) for d in SMALL_DOCS if d["id"] != "badges"]  # one document deleted
    docs[0]["text"] = "Staff now get 30 days of paid leave each year. Requests go through TimeLedger."  # one changed
    docs.append({"id": "canteen", "title": "Canteen", "text": "Lunch is served at noon in the Atrium."})  # one added
    after = Corpus([Document(**d) for d in docs], [])
    embedder = CountingEmbedder()
    index = index_corpus(corpus, embedder, _cfg(index=kind))
    embedder.texts.clear()
    touched = update_index(index, corpus, after, embedder)
    embedded = list(embedder.texts)
    rebuilt = index_corpus(after, HashingEmbedder(), _cfg(index=kind))
    queries = ["how many days of leave", "badge colour", "lunch time", "vpn client", "TimeLedger"]
    assert _ranked(index, embedder, queries) == _ranked(rebuilt, embedder, queries)
    assert sorted(c.id for c in index.chunks.values()) == sorted(c.id for c in rebuilt.chunks.values())
    # Only the changed and the new document were embedded again.
    assert touched["documents_embedded"] == 2 and touched["documents_removed"] == 1
    assert len(embedded) == touched["chunks_added"] == sum(c.doc_id in {"leave", "canteen"} for c in rebuilt.chunks.values())
    # The updated index saves and loads as the updated corpus's index.
    save_index(index, tmp_path / "idx")
    loaded = load_index(tmp_path / "idx", embedder=embedder.name, corpus_hash=after.content_hash())
    assert _ranked(loaded, embedder, queries) == _ranked(rebuilt, embedder, queries)

import pytest

from core.config import RagConfig
from core.config_files import load_config
from core.corpus import Corpus, Document, load_corpus
from core.errors import InputError
from rag.chunking import chunk
from rag.hybrid import fuse
from rag.index import build_index, load_index, save_index
from rag.indexing import ensure_index, index_corpus, update_index
from rag.retriever import Retriever
from rag.retrievers import RETRIEVERS, search_settings
from tests.conftest import HashingEmbedder, SMALL_DOCS, write_corpus

# Every retriever in the registry, and each FAISS index kind of the dense one.
KINDS = {
    "dense-flat": {"retriever": "dense", "index": "flat"},
    "dense-hnsw": {"retriever": "dense", "index": "hnsw"},
    "dense-ivf": {"retriever": "dense", "index": "ivf"},
    "bm25": {"retriever": "bm25"},
    "hybrid": {"retriever": "hybrid"},
}


@pytest.fixture
def corpus(small_corpus_dir):
    return load_corpus(small_corpus_dir)


def _cfg(**kw):
    return RagConfig(chunk_size=12, chunk_overlap=0, **kw)


def test_every_registered_retriever_is_tested():
    assert {k["retriever"] for k in KINDS.values()} == set(RETRIEVERS)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_each_retriever_finds_the_right_document_and_survives_save_load(tmp_path, corpus, hashing_embedder, kind):
    index = index_corpus(corpus, hashing_embedder, _cfg(**KINDS[kind]))
    retriever = Retriever(index, top_k=2)
    questions = corpus.split("eval")
    before = retriever(questions)
    assert [p[0].doc_id for p in before] == [q.doc_ids[0] for q in questions]
    save_index(index, tmp_path / "idx")
    loaded = load_index(tmp_path / "idx", embedder=hashing_embedder, corpus_hash=corpus.content_hash())
    after = Retriever(loaded, top_k=2)(questions)
    assert [[p.chunk_id for p in row] for row in after] == [[p.chunk_id for p in row] for row in before]
    assert [p.score for row in after for p in row] == pytest.approx([p.score for row in before for p in row])


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_scores_are_sorted_best_first_and_k_is_capped_at_the_number_of_chunks(corpus, hashing_embedder, kind):
    index = index_corpus(corpus, hashing_embedder, _cfg(**KINDS[kind]))
    rows = index.search(["leave days"], k=100)
    assert len(rows[0]) == len(index.chunks) or kind == "hybrid"  # fusion returns what either ranking found
    scores = [s for _, s in rows[0]]
    assert scores == sorted(scores, reverse=True) and rows[0][0][0].doc_id == "leave"


def test_bm25_matches_exact_tokens_a_bag_of_hashed_words_cannot_tell_apart(tmp_path):
    docs = [{"id": f"d{i}", "title": f"Part {i}", "text": f"Part number XK-{i}{i}{i} ships from dock {i}."} for i in range(1, 6)]
    corpus = load_corpus(write_corpus(tmp_path / "c", docs, []))
    index = index_corpus(corpus, HashingEmbedder(dim=8), _cfg(retriever="bm25"))
    assert [row[0][0].doc_id for row in index.search(["which dock ships XK-333", "XK-555"], k=1)] == ["d3", "d5"]


def test_metadata_records_retriever_embedder_chunks_and_corpus(tmp_path, corpus, hashing_embedder):
    index = index_corpus(corpus, hashing_embedder, _cfg(retriever="hybrid", rrf_k=10))
    save_index(index, tmp_path / "idx")
    loaded = load_index(tmp_path / "idx", embedder=hashing_embedder, corpus_hash=corpus.content_hash())
    assert loaded.meta["embedder"] == "hashing-256" and loaded.retriever.describe()["dimension"] == 256
    assert loaded.meta["settings"] == search_settings(_cfg(retriever="hybrid", rrf_k=10)) and loaded.meta["settings"]["rrf_k"] == 10
    assert loaded.meta["corpus_hash"] == corpus.content_hash()
    assert loaded.chunks == index.chunks
    bm25 = index_corpus(corpus, hashing_embedder, _cfg(retriever="bm25"))
    assert bm25.meta["embedder"] is None  # its scores do not depend on an embedder


def test_loading_with_another_embedder_or_corpus_fails_with_one_sentence(tmp_path, corpus, hashing_embedder):
    save_index(index_corpus(corpus, hashing_embedder, _cfg()), tmp_path / "idx")
    with pytest.raises(InputError, match=r"built with embedder 'hashing-256', not 'other'; rebuild it"):
        load_index(tmp_path / "idx", embedder=HashingEmbedder(name="other"), corpus_hash=corpus.content_hash())
    with pytest.raises(InputError, match="different corpus"):
        load_index(tmp_path / "idx", embedder=hashing_embedder, corpus_hash="0" * 16)
    with pytest.raises(InputError, match="no index in"):
        load_index(tmp_path / "missing", embedder=hashing_embedder, corpus_hash=corpus.content_hash())
    save_index(index_corpus(corpus, hashing_embedder, _cfg(retriever="bm25")), tmp_path / "bm25")
    assert load_index(tmp_path / "bm25", embedder=HashingEmbedder(name="other"), corpus_hash=corpus.content_hash()).chunks


def test_ensure_index_reuses_only_when_inputs_are_unchanged(tmp_path, corpus, hashing_embedder):
    _, reused = ensure_index(tmp_path / "idx", corpus, hashing_embedder, _cfg())
    assert not reused
    _, reused = ensure_index(tmp_path / "idx", corpus, hashing_embedder, _cfg())
    assert reused
    _, reused = ensure_index(tmp_path / "idx", corpus, hashing_embedder, _cfg(index="hnsw"))
    assert not reused
    _, reused = ensure_index(tmp_path / "idx", corpus, hashing_embedder, _cfg(index="hnsw", retriever="bm25"))
    assert not reused
    changed = load_corpus(write_corpus(tmp_path / "c2", [*SMALL_DOCS, {"id": "n", "title": "New", "text": "New doc."}]))
    index, reused = ensure_index(tmp_path / "idx", changed, hashing_embedder, _cfg(index="hnsw"))
    assert not reused and "n#0" in [c.id for c in index.chunks.values()]
    assert not ensure_index(tmp_path / "idx", changed, HashingEmbedder(name="other"), _cfg(index="hnsw"))[1]


def test_an_empty_corpus_is_an_input_error(hashing_embedder):
    with pytest.raises(InputError, match="no chunks"):
        build_index(chunk([], 12, 0), {"retriever": "bm25"}, hashing_embedder, {})


def test_an_unknown_retriever_is_a_config_error_naming_the_choices(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("rag:\n  retriever: sparse\n")
    with pytest.raises(InputError, match=r"key rag.retriever: .*'sparse' is not one of dense, bm25, hybrid"):
        load_config(path)


def test_reciprocal_rank_fusion_adds_one_over_k_plus_rank():
    fused = fuse([[(1, 0.9), (2, 0.8)], [(2, 7.0), (3, 5.0)]], rrf_k=60)
    assert [i for i, _ in fused] == [2, 1, 3]  # 2 is in both rankings
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__()
        self.texts = []

    def encode(self, texts):
        self.texts += texts
        return super().encode(texts)


def _ranked(index, queries):
    """Each query's full ranking as (chunk id, text, score), ties in chunk-id order: index ids may
    differ between the two indexes, what is found and how it scores may not."""
    rows = index.search(queries, k=1000)
    return [sorted(((c.id, c.text, round(s, 5)) for c, s in row), key=lambda t: (-t[2], t[0])) for row in rows]


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_an_incremental_update_searches_exactly_like_a_full_rebuild(tmp_path, corpus, kind):
    docs = [dict(d) for d in SMALL_DOCS if d["id"] != "badges"]  # one document deleted
    docs[0]["text"] = "Staff now get 30 days of paid leave each year. Requests go through TimeLedger."  # one changed
    docs.append({"id": "canteen", "title": "Canteen", "text": "Lunch is served at noon in the Atrium."})  # one added
    after = Corpus([Document(**d) for d in docs], [])
    embedder = CountingEmbedder()
    index = index_corpus(corpus, embedder, _cfg(**KINDS[kind]))
    embedder.texts.clear()
    touched = update_index(index, corpus, after)
    index.search(["warm"], k=1)  # a lexical index re-indexes on the first search after a change
    embedded = [t for t in embedder.texts if t != "warm"]
    rebuilt = index_corpus(after, HashingEmbedder(), _cfg(**KINDS[kind]))
    queries = ["how many days of leave", "badge colour", "lunch time", "vpn client", "TimeLedger"]
    assert _ranked(index, queries) == _ranked(rebuilt, queries)
    assert sorted(c.id for c in index.chunks.values()) == sorted(c.id for c in rebuilt.chunks.values())
    assert touched["documents_indexed"] == 2 and touched["documents_removed"] == 1
    # Only the changed and the new document were embedded again (a lexical index embeds nothing).
    new_chunks = sum(c.doc_id in {"leave", "canteen"} for c in rebuilt.chunks.values())
    assert touched["chunks_added"] == new_chunks
    assert len(embedded) == (new_chunks if index.retriever.uses_embedder else 0)
    # The updated index saves and loads as the updated corpus's index.
    save_index(index, tmp_path / "idx")
    loaded = load_index(tmp_path / "idx", embedder=embedder, corpus_hash=after.content_hash())
    assert _ranked(loaded, queries) == _ranked(rebuilt, queries)


def test_tied_chunks_share_a_rank_so_fusion_does_not_depend_on_ids():
    forward = fuse([[(1, 0.9), (2, 0.5), (3, 0.5)], [(9, 1.0)]], rrf_k=60)
    backward = fuse([[(1, 0.9), (3, 0.5), (2, 0.5)], [(9, 1.0)]], rrf_k=60)
    assert dict(forward) == dict(backward) and dict(forward)[2] == dict(forward)[3] == pytest.approx(1 / 62)


def test_removed_chunk_ids_are_never_given_out_again(tmp_path, corpus, hashing_embedder):
    index = index_corpus(corpus, hashing_embedder, _cfg(index="hnsw"))
    last = max(index.chunks)
    last_doc = index.chunks[last].doc_id
    index.remove_documents({last_doc})
    index.add_chunks(chunk([d for d in corpus.documents if d.id == last_doc], 12, 0))
    assert min(i for i, c in index.chunks.items() if c.doc_id == last_doc) > last
    save_index(index, tmp_path / "idx")
    loaded = load_index(tmp_path / "idx", embedder=hashing_embedder, corpus_hash=corpus.content_hash())
    assert loaded.meta["next_id"] == index.meta["next_id"] and loaded.chunks == index.chunks
    assert loaded.ids_by_doc[last_doc] == index.ids_by_doc[last_doc]


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_an_index_whose_every_document_was_removed_finds_nothing(tmp_path, corpus, hashing_embedder, kind):
    """A workshop room can delete every document: the index then answers each query with no passage
    (FAISS itself asserts k > 0)."""
    index = index_corpus(corpus, hashing_embedder, _cfg(**KINDS[kind]))
    update_index(index, corpus, Corpus([], []))
    assert index.search(["leave days", "badge colour"], k=3) == [[], []]
    assert Retriever(index, top_k=2)(corpus.split("eval")) == [[] for _ in corpus.split("eval")]
    save_index(index, tmp_path / "idx")  # the workshop saves its session's index after every change
    loaded = load_index(tmp_path / "idx", embedder=hashing_embedder, corpus_hash=Corpus([], []).content_hash())
    assert loaded.search(["leave days"], k=3) == [[]]

import pytest

from core.corpus import Document
from rag.chunking import chunk

DOC = Document(
    id="d1",
    title="T",
    text="One two three four five. Six seven eight nine ten. Eleven twelve thirteen. Fourteen fifteen sixteen seventeen.",
)


def test_chunks_keep_document_id_and_title_and_number_consecutively():
    chunks = chunk([DOC, Document(id="d2", title="U", text="Short one.")], size=8, overlap=0)
    assert [c.id for c in chunks] == ["d1#0", "d1#1", "d1#2", "d2#0"]
    assert {c.doc_id for c in chunks[:3]} == {"d1"} and chunks[3].title == "U"


def test_whole_sentences_are_packed_up_to_size_words():
    chunks = chunk([DOC], size=10, overlap=0)
    assert [c.text for c in chunks] == [
        "One two three four five. Six seven eight nine ten.",
        "Eleven twelve thirteen. Fourteen fifteen sixteen seventeen.",
    ]
    assert all(len(c.text.split()) <= 10 for c in chunks)


def test_overlap_repeats_trailing_sentences_of_the_previous_chunk():
    chunks = chunk([DOC], size=10, overlap=5)
    assert chunks[1].text.startswith("Six seven eight nine ten.")
    assert len(chunks) == 3


def test_every_word_is_in_some_chunk():
    chunks = chunk([DOC], size=6, overlap=2)
    covered = " ".join(c.text for c in chunks).split()
    assert set(DOC.text.split()) <= set(covered)


def test_a_sentence_longer_than_size_is_split_on_words():
    long = Document(id="x", title="T", text=" ".join(f"w{i}" for i in range(25)) + ".")
    chunks = chunk([long], size=10, overlap=0)
    assert [len(c.text.split()) for c in chunks] == [10, 10, 5]


def test_overlap_must_be_smaller_than_size():
    with pytest.raises(ValueError):
        chunk([DOC], size=5, overlap=5)

"""Pure edit logic: a fact's new value in its document, the facts a text edit changes, and the
session's edits written as an update round that `ragvsft run` loads."""

from __future__ import annotations

import pytest

from core.corpus import load_corpus
from core.errors import InputError
from core.updates import load_deletions, load_update_rounds
from app.workshop.edits import changed_facts, text_with_new_value, with_changes
from app.workshop.rounds import pending_round, save_as_round
from tests.conftest import write_corpus
from tests.app.workshop.tiny_run import DOCS, QUESTIONS


@pytest.fixture
def corpus(tmp_path):
    return load_corpus(write_corpus(tmp_path / "corpus", DOCS, QUESTIONS))


def test_a_fact_value_is_replaced_where_it_occurs_in_its_document(corpus):
    document, text = text_with_new_value(corpus, "f1", "30")
    assert document.id == "leave" and text.startswith("Staff get 30 days of leave.") and "27" not in text
    assert "Up to 6 days" in text  # other numbers untouched


@pytest.mark.parametrize("fact, value, expected", [
    ("nope", "3", "no fact 'nope'"),
    ("f1", "  ", "the new value is empty"),
    ("f1", "27", "already states '27'"),
])
def test_bad_fact_edits_say_what_is_wrong(corpus, fact, value, expected):
    with pytest.raises(InputError, match=expected):
        text_with_new_value(corpus, fact, value)


def test_a_value_the_document_does_not_state_is_refused(corpus):
    edited = with_changes(corpus, [corpus.by_doc_id()["leave"].model_copy(update={"text": "Staff get many days."})], [])
    with pytest.raises(InputError, match=r"fact f1: its value \(27\) does not occur in document leave"):
        text_with_new_value(edited, "f1", "30")


def test_a_text_edit_changes_the_facts_it_no_longer_states_to_what_replaced_them(corpus):
    before = corpus.by_doc_id()["badges"].text
    changes = changed_facts(corpus, "badges", before.replace("are red", "are dark green"))
    assert [(c.fact_id, c.old, c.new) for c in changes] == [("f2", ["red"], "dark green")]
    removed = changed_facts(corpus, "badges", "Badges exist.")
    assert [(c.fact_id, c.new) for c in removed] == [("f2", None)]  # no replacement to read off
    assert changed_facts(corpus, "badges", before + " New sentence.") == []


def test_changed_facts_ask_for_the_new_value_and_keep_the_old(corpus):
    leave = corpus.by_doc_id()["leave"]
    document, text = text_with_new_value(corpus, "f1", "30")
    edited = with_changes(corpus, [document.model_copy(update={"text": text})], changed_facts(corpus, "leave", text))
    asked = [q for q in edited.questions if q.fact_id == "f1"]
    assert {tuple(q.answers) for q in asked} == {("30",)} and {tuple(q.old_answers) for q in asked} == {("27",)}
    rnd, deleted = pending_round(corpus, edited)
    assert [d.id for d in rnd.documents] == ["leave"] and {q.id for q in rnd.questions} == {"q1", "q2"} and deleted == []
    assert edited.by_doc_id()["leave"] != leave


def test_the_edits_saved_as_an_update_round_load_as_ragvsft_run_reads_them(tmp_path, corpus):
    document, text = text_with_new_value(corpus, "f1", "30")
    edited = with_changes(corpus, [document.model_copy(update={"text": text})], changed_facts(corpus, "leave", text))
    edited = edited.only_documents({d.id for d in edited.documents} - {"vpn"})
    target = save_as_round(tmp_path / "corpus", corpus, edited, tmp_path / "saved")
    saved = load_corpus(target)
    rounds = load_update_rounds(target, saved)
    assert [r.name for r in rounds] == ["w1-workshop"] and rounds[0].fact_ids() == {"f1"}
    assert rounds[0].apply(saved).by_doc_id()["leave"].text == text
    assert load_deletions(target, rounds[0].apply(saved)) == ["vpn"]
    with pytest.raises(InputError, match="already exists"):
        save_as_round(tmp_path / "corpus", corpus, edited, target)


def test_nothing_to_save_writes_nothing(tmp_path, corpus):
    with pytest.raises(InputError, match="nothing to save"):
        save_as_round(tmp_path / "corpus", corpus, corpus, tmp_path / "saved")
    assert not (tmp_path / "saved").exists() and not list(tmp_path.glob(".saved*"))

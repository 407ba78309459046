"""The workshop's handlers, called directly on a tiny finished run (no browser): asking every arm,
an edit that RAG absorbs at once and the fine-tune only after a retrain, deletion, bad input as
one sentence, and a run directory that never changes."""

from __future__ import annotations

import hashlib
import threading
import zipfile

import pytest

from core.errors import InputError
from app.workshop.loaded_run import check_finished
from app.workshop.session import NEITHER, NOTHING_TO_RETRIEVE, OLD, Session
from app.workshop.views import answers_panel, changes_panel
from tests.app.workshop.tiny_run import PLANTED


def _files(run_dir) -> dict:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(run_dir.rglob("*")) if p.is_file()}


@pytest.fixture
def session(loaded_run, tmp_path):
    return Session(loaded_run, tmp_path / "session")


def test_every_live_arm_answers_and_a_corpus_question_is_scored(session):
    question, replies = session.ask("how many leave days do staff get?")  # case and punctuation do not matter
    assert question.id == "q2" and [r.arm for r in replies] == ["base", "rag", "lora", "raft", "hybrid", "context"]
    assert all(r.correct in (True, False) for r in replies)
    rag = next(r for r in replies if r.arm == "rag")
    assert [p.doc_id for p in rag.answer.passages] == ["leave"] and rag.answer.generate_ms > 0
    free, replies = session.ask("Where do the ducks go in winter?")
    assert free.id == "asked" and all(r.correct is None for r in replies)


def test_an_edited_fact_reaches_rag_at_once_and_the_fine_tune_after_a_retrain(session, tiny_run_dir):
    before = _files(tiny_run_dir)
    change = session.edit_fact("f1", "30")
    assert change.index_ms > 0 and change.what == "f1: 27 -> 30" and change.retrain is None
    assert change.probe.id == "q1" and set(change.status) == {"base", "rag", "lora", "raft", "hybrid", "context"}
    question, replies = session.ask("How many leave days do staff get?")
    assert question.answers == ["30"]  # the corpus question now asks for the new value
    for arm in ("rag", "raft"):  # both read the re-indexed passage at once; raft's adapter is not retrained
        assert "Staff get 30 days of leave." in next(r for r in replies if r.arm == arm).answer.passages[0].text
    whole = next(r for r in replies if r.arm == "context").answer  # the whole corpus in the prompt: the edited one
    assert any("Staff get 30 days of leave." in p.text for p in whole.passages) and whole.cached_tokens > 0
    adapter_before = session.adapter.adapter_dir
    steps = []

    class Steps:  # a Trainer callback, as the page's progress bar is
        def __getattr__(self, name):
            return lambda args, state, control, **kw: steps.append(state.global_step) if name == "on_step_end" else None

    seconds = session.retrain("delta", callbacks=[Steps()])
    assert seconds > 0 and session.adapter.adapter_dir != adapter_before and steps == [1, 2]
    assert change.retrain.startswith("delta in ")
    with pytest.raises(InputError, match="nothing to retrain"):
        session.retrain("delta")
    assert _files(tiny_run_dir) == before  # the finished run is never written


def test_a_deleted_document_leaves_rag_at_once_and_only_a_full_retrain_forgets_it(session):
    change = session.delete_document("vpn")
    assert change.action == "delete" and change.probe.id == "q4"
    _, replies = session.ask("What is the VPN client called?")
    rag = next(r for r in replies if r.arm == "rag")
    assert "vpn" not in [p.doc_id for p in rag.answer.passages] and rag.correct is None  # no longer a corpus question
    assert all(change.status[arm] in (OLD, NEITHER) for arm in change.status)
    with pytest.raises(InputError, match="forgotten only by retraining from scratch"):
        session.retrain("delta")
    session.retrain("full")
    assert change.retrain.startswith("full in ")
    with pytest.raises(InputError, match="no document 'vpn' any more"):
        session.edit_document("vpn", "back")


@pytest.mark.parametrize("call, expected", [
    (lambda s: s.edit_document("leave", "   "), "the new text is empty"),
    (lambda s: s.edit_document("leave", s.corpus.by_doc_id()["leave"].text), "the text is unchanged"),
    (lambda s: s.edit_document("nope", "text"), "no document 'nope' in the corpus"),
    (lambda s: s.edit_fact("f1", ""), "the new value is empty"),
    (lambda s: s.ask(""), "the question is empty"),
    (lambda s: s.retrain("sideways"), "no update strategy 'sideways'"),
    (lambda s: s.save_round(), "nothing to save"),
    (lambda s: s.ask("How many days? " * 100), "at most 1,000 are accepted"),
    (lambda s: s.edit_fact("f1", "9" * 1001), "the new value is 1,001 characters long"),
    (lambda s: s.edit_document("leave", s.corpus.by_doc_id()["leave"].text + " more" * 201), "an edit may add at most 1,000"),
])
def test_bad_input_is_one_sentence_and_changes_nothing(session, call, expected):
    corpus = session.corpus
    with pytest.raises(InputError, match=expected):
        call(session)
    assert session.corpus is corpus and session.changes == []


def test_a_second_retrain_while_one_runs_is_refused(session):
    session.edit_fact("f1", "31")
    session._training.acquire()  # a retrain in progress in another request
    session.training_since = 0.0
    try:
        errors = []
        thread = threading.Thread(target=lambda: errors.append(pytest.raises(InputError, session.retrain, "delta")))
        thread.start()
        thread.join()
        assert "a retrain is already running" in str(errors[0].value)
    finally:
        session._training.release()


def test_the_panels_escape_corpus_and_model_text(session):
    question, replies = session.ask("What is the mascot?")
    html = answers_panel(question, replies, session.corpus.by_doc_id())
    assert PLANTED not in html and "&lt;script&gt;" in html and "Mascot &lt;b&gt;bold&lt;/b&gt;" in html
    session.edit_document("mascot", "The mascot is Pip. <img src=x onerror=alert(1)>")
    table = changes_panel(session.changes, session.run.arms)
    assert "<img" not in table and "&lt;b&gt;bold" in table and "f4: Mallow -&gt; Pip" in table


def test_a_saved_round_names_the_session_edits_in_a_place_the_server_chose(session, loaded_run, tmp_path):
    session.edit_fact("f2", "teal-and-red")
    session.delete_document("vpn")
    target, archive = session.save_round()
    assert target.is_relative_to(session.workdir) and archive.is_relative_to(session.workdir)
    assert (target / "updates" / "w1-workshop" / "questions.jsonl").read_text().count('"teal-and-red"') == 1
    assert '"vpn"' in (target / "deletions" / "documents.jsonl").read_text()
    with zipfile.ZipFile(archive) as zf:
        assert f"{target.name}/updates/w1-workshop/questions.jsonl" in zf.namelist()
    # a second save is a new folder; with a save root (ragvsft ui --save-dir) the rounds go there
    assert session.save_round()[0] != target
    kept = Session(loaded_run, tmp_path / "other", save_root=tmp_path / "rounds")
    kept.delete_document("vpn")
    assert kept.save_round()[0].parent == tmp_path / "rounds"


def test_after_every_document_is_deleted_the_retrieving_arms_say_so_and_the_others_answer(session):
    for doc in list(session.corpus.documents):
        session.delete_document(doc.id)
    assert session.corpus.documents == [] and all(c.status for c in session.changes if c.probe)
    _, replies = session.ask("How many leave days do staff get?")
    said = {r.arm: r.answer.text for r in replies}
    assert said["rag"] == said["raft"] == said["hybrid"] == NOTHING_TO_RETRIEVE
    assert said["base"] != NOTHING_TO_RETRIEVE and said["lora"] != NOTHING_TO_RETRIEVE
    with pytest.raises(InputError, match="deleted in this session"):
        session.delete_document("leave")


def test_a_directory_without_a_finished_run_names_the_command_that_makes_one(tmp_path):
    with pytest.raises(InputError, match=r"has no finished run .*make one with `ragvsft run --config configs/quick.yaml --out"):
        check_finished(tmp_path)


def test_an_arm_the_run_could_not_fit_in_the_window_is_not_offered(loaded_run, tmp_path):
    from dataclasses import replace

    unfit = Session(replace(loaded_run, not_run=frozenset({"context"})), tmp_path / "unfit")
    _, replies = unfit.ask("How many leave days do staff get?")
    assert [r.arm for r in replies] == ["base", "rag", "lora", "raft", "hybrid"]

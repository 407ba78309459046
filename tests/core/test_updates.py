import json
from collections import defaultdict

import pytest

from core.corpus import load_corpus
from core.errors import InputError
from core.updates import delete_documents, load_deletions, load_update_rounds
from tests.conftest import REPO, SMALL_QUESTIONS

BUNDLED = REPO / "data" / "quillfeather"


def _write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _round(corpus_dir, name, documents, questions):
    _write(corpus_dir / "updates" / name / "documents.jsonl", documents)
    _write(corpus_dir / "updates" / name / "questions.jsonl", questions)


def _changed(q_id="q1", **change):
    base = next(q for q in SMALL_QUESTIONS if q["id"] == q_id)
    return {**base, "id": f"{q_id}-new", "fact_id": base.get("fact_id", q_id), **change}


def test_a_round_replaces_documents_adds_new_ones_and_swaps_the_changed_facts(small_corpus_dir):
    corpus = load_corpus(small_corpus_dir)
    leave = corpus.by_doc_id()["leave"]
    _round(
        small_corpus_dir,
        "r1",
        [{"id": "leave", "title": leave.title, "text": "Staff get 30 days of leave."}, {"id": "canteen", "title": "Canteen", "text": "Lunch is at noon."}],
        [_changed(answers=["30"], old_answers=["25"]), {"id": "c1", "question": "When is lunch?", "answers": ["noon"], "doc_ids": ["canteen"], "split": "eval", "kind": "fact", "fact_id": "lunch"}],
    )
    (rnd,) = load_update_rounds(small_corpus_dir, corpus)
    after = rnd.apply(corpus)
    assert [d.id for d in after.documents] == ["leave", "badges", "vpn", "canteen"]
    assert after.by_doc_id()["leave"].text == "Staff get 30 days of leave."
    changed = [q for q in after.questions if q.fact_id == rnd.questions[0].fact_id]
    assert [(q.id, q.answers, q.old_answers) for q in changed] == [("q1-new", ["30"], ["25"])]
    # Every phrasing of the changed fact is replaced by the round's; the new fact's question is added.
    untouched = [q for q in corpus.questions if q.fact_id != rnd.questions[0].fact_id]
    assert after.questions == untouched + rnd.questions


def test_rounds_apply_in_name_order_each_on_the_previous_result(small_corpus_dir):
    corpus = load_corpus(small_corpus_dir)
    _round(small_corpus_dir, "r2", [], [_changed(id="q1-r2", answers=["31"], old_answers=["30"])])
    _round(small_corpus_dir, "r1", [], [_changed(id="q1-r1", answers=["30"], old_answers=["25"])])
    rounds = load_update_rounds(small_corpus_dir, corpus)
    assert [r.name for r in rounds] == ["r1", "r2"]
    final = rounds[1].apply(rounds[0].apply(corpus))
    assert [q.answers for q in final.questions if q.fact_id == rounds[0].questions[0].fact_id] == [["31"]]


@pytest.mark.parametrize(
    "question, expected",
    [
        ({"fact_id": None}, r"updates/r1/questions.jsonl line 1, field fact_id: an update question must name the fact"),
        ({"doc_ids": ["nowhere"]}, r"updates/r1/questions.jsonl line 1, field doc_ids: .*unknown document 'nowhere'"),
        ({"old_answers": [""]}, r"updates/r1/questions.jsonl line 1, field old_answers: .*empty string"),
    ],
)
def test_a_bad_round_is_an_input_error_naming_file_line_and_field(small_corpus_dir, question, expected):
    _round(small_corpus_dir, "r1", [], [_changed(**question)])
    with pytest.raises(InputError, match=expected):
        load_update_rounds(small_corpus_dir, load_corpus(small_corpus_dir))


def test_deleting_a_document_removes_it_and_returns_the_questions_about_it(small_corpus_dir):
    corpus = load_corpus(small_corpus_dir)
    _write(small_corpus_dir / "deletions" / "documents.jsonl", [{"id": "vpn", "reason": "replaced"}])
    ids = load_deletions(small_corpus_dir, corpus)
    kept, probe = delete_documents(corpus, ids)
    assert ids == ["vpn"] and "vpn" not in kept.by_doc_id()
    assert probe and all(q.doc_ids == ["vpn"] for q in probe)
    assert {q.id for q in kept.questions} | {q.id for q in probe} == {q.id for q in corpus.questions}


def test_deleting_an_unknown_document_is_an_input_error(small_corpus_dir):
    _write(small_corpus_dir / "deletions" / "documents.jsonl", [{"id": "gone"}])
    with pytest.raises(InputError, match=r"deletions/documents.jsonl line 1, field id: no document 'gone'"):
        load_deletions(small_corpus_dir, load_corpus(small_corpus_dir))


def test_bundled_rounds_change_at_least_ten_facts_each_with_train_and_eval_phrasings():
    corpus = load_corpus(BUNDLED)
    rounds = load_update_rounds(BUNDLED, corpus)
    assert len(rounds) >= 3
    answers = {q.fact_id: q.answers for q in corpus.questions}
    changed_before, changed_again, added = set(), set(), set()
    for rnd in rounds:
        splits = defaultdict(set)
        for q in rnd.questions:
            splits[q.fact_id].add(q.split)
            # old_answers are exactly what the fact answered before this round (empty for a new fact)
            assert q.old_answers == answers.get(q.fact_id, []), q.id
        assert len(splits) >= 10 and all(s == {"train", "eval"} for s in splits.values()), rnd.name
        added |= rnd.fact_ids() - answers.keys()
        changed_again |= rnd.fact_ids() & changed_before
        changed_before |= rnd.fact_ids()
        answers.update({q.fact_id: q.answers for q in rnd.questions})
        corpus = rnd.apply(corpus)
    assert added and changed_again  # a new document's facts, and a fact changed in two rounds
    assert load_deletions(BUNDLED, corpus)

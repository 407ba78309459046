from collections import Counter

import pytest

from core.config_corpora import KbConfig
from core.corpus import load_corpus
from corpora.kb.build import ROUND_NAME, generate_kb, write_kb
from core.text import contains_phrase
from core.updates import load_deletions, load_update_rounds
from tests.conftest import run_entry_point


def test_the_same_seed_gives_the_same_knowledge_base_and_another_seed_another():
    one, again, other = generate_kb(40, KbConfig(), 0), generate_kb(40, KbConfig(), 0), generate_kb(40, KbConfig(), 1)
    assert one == again
    assert [d.text for d in one.documents] != [d.text for d in other.documents]


@pytest.mark.parametrize("facts", [1, 7, 120])
def test_it_states_exactly_the_facts_asked_for_each_on_its_page(facts):
    kb = generate_kb(facts, KbConfig(), 0)
    pages = {d.id: d for d in kb.documents}
    assert len(kb.facts) == facts and len({f.id for f in kb.facts}) == facts
    assert all(contains_phrase(pages[f.doc_id].text, f.value) for f in kb.facts)
    fact_questions = [q for q in kb.questions if q.answerable]
    assert Counter(q.split for q in fact_questions) == {"train": 3 * facts, "eval": 2 * facts}
    assert len({q.id for q in kb.questions}) == len(kb.questions)


def test_eval_phrasings_never_repeat_a_train_phrasing():
    kb = generate_kb(60, KbConfig(), 0)
    train = {q.question for q in kb.questions if q.split == "train"}
    assert not [q.question for q in kb.questions if q.split == "eval" and q.question in train]


def test_subjects_never_share_a_name():
    kb = generate_kb(500, KbConfig(), 0)
    assert len({d.title for d in kb.documents}) == len(kb.documents)


def test_settings_choose_the_phrasings_and_the_shares(tmp_path):
    settings = KbConfig(train_phrasings=1, eval_phrasings=1, changed_fraction=0.5, deleted_fraction=0.2)
    kb = generate_kb(40, settings, 0)
    assert Counter(q.split for q in kb.questions if q.answerable) == {"train": 40, "eval": 40}
    assert len({q.fact_id for q in kb.round_questions}) == 20
    untouched = {d.id for d in kb.documents} - {d.id for d in kb.round_documents}
    assert set(kb.deleted) <= untouched and len(kb.deleted) == max(1, round(0.2 * len(untouched)))


def test_the_written_corpus_loads_and_its_round_replaces_old_values_with_new(tmp_path):
    kb = generate_kb(50, KbConfig(), 3)
    write_kb(kb, tmp_path / "kb", {"generator": "test"})
    corpus = load_corpus(tmp_path / "kb")
    assert len(corpus.documents) == len(kb.documents) and corpus.style.template == "{answer} [{title}]"
    assert "`ragvsft kb`" in corpus.origin["questions"]  # the report says where the questions came from
    [round_] = load_update_rounds(tmp_path / "kb", corpus)
    assert round_.name == ROUND_NAME and len(round_.fact_ids()) == 5
    after = round_.apply(corpus).by_doc_id()
    for q in round_.questions:
        assert contains_phrase(after[q.doc_ids[0]].text, q.answers[0]) and not contains_phrase(after[q.doc_ids[0]].text, q.old_answers[0])
    deleted = load_deletions(tmp_path / "kb", corpus)
    assert deleted and not {d.id for d in round_.documents} & set(deleted)


def test_the_kb_command_refuses_bad_input_and_an_existing_directory(tmp_path):
    bad = run_entry_point("make_kb.py", "--facts", "0", "--out", str(tmp_path / "kb"))
    assert bad.returncode == 2 and "--facts 0" in bad.stderr and not (tmp_path / "kb").exists()
    made = run_entry_point("make_kb.py", "--facts", "12", "--out", str(tmp_path / "kb"))
    assert made.returncode == 0 and "12 facts on 3 pages" in made.stdout
    again = run_entry_point("make_kb.py", "--facts", "12", "--out", str(tmp_path / "kb"))
    assert again.returncode == 2 and "already exists" in again.stderr

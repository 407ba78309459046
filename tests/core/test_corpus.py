import json
import re
from collections import defaultdict

import pytest

from core.corpus import Question, load_corpus, unanswerable_topics
from core.errors import InputError
from core.text import normalize
from tests.conftest import REPO, SMALL_DOCS, SMALL_QUESTIONS, write_corpus

BUNDLED = REPO / "data" / "quillfeather"


def test_small_corpus_loads(small_corpus_dir):
    corpus = load_corpus(small_corpus_dir)
    assert [d.id for d in corpus.documents] == ["leave", "badges", "vpn"]
    assert [q.id for q in corpus.split("eval")] == ["q2", "q3", "q4"]


def test_first_documents_keeps_only_questions_about_them(small_corpus_dir):
    corpus = load_corpus(small_corpus_dir, max_documents=1)
    assert [d.id for d in corpus.documents] == ["leave"]
    assert {q.id for q in corpus.questions} == {"q1", "q2"}


def test_content_hash_changes_with_any_document_text(tmp_path):
    a = load_corpus(write_corpus(tmp_path / "a"))
    docs = [dict(d) for d in SMALL_DOCS]
    docs[2]["text"] += " Extra."
    b = load_corpus(write_corpus(tmp_path / "b", docs))
    assert a.content_hash() == load_corpus(write_corpus(tmp_path / "c")).content_hash()
    assert a.content_hash() != b.content_hash()


def _bad(tmp_path, docs_text=None, questions_text=None):
    d = write_corpus(tmp_path / "bad")
    if docs_text is not None:
        (d / "documents.jsonl").write_text(docs_text)
    if questions_text is not None:
        (d / "questions.jsonl").write_text(questions_text)
    return d


def _lines(rows):
    return "".join(json.dumps(r) + "\n" for r in rows)


def _q(**change):
    return {**SMALL_QUESTIONS[0], **change}


@pytest.mark.parametrize(
    "docs_text, questions_text, expected",
    [
        ('{"id": "x", "title": "T", "text": "ok"}\n{not json}\n', None, r"documents.jsonl line 2: not valid JSON"),
        ('{"id": "x", "title": "T"}\n', None, r"documents.jsonl line 1, field text: Field required"),
        ('{"id": "x", "title": "T", "text": 5}\n', None, r"documents.jsonl line 1, field text: .*string"),
        ('{"id": "x", "title": "T", "text": "a", "colour": "red"}\n', None, r"line 1, unknown field colour"),
        ('{"id": "x", "title": "T", "text": "a"}\n{"id": "x", "title": "U", "text": "b"}\n', None, r"line 2, field id: duplicate id 'x' \(first on line 1\)"),
        ("\n", None, r"documents.jsonl: the corpus has no documents"),
        ("[1, 2]\n", None, r"documents.jsonl line 1: expected a JSON object"),
        (None, _lines([_q(doc_ids=["ghost"])]), r"questions.jsonl line 1, field doc_ids: .*unknown document 'ghost'"),
        (None, _lines([_q(), _q(question="again")]), r"questions.jsonl line 2, field id: duplicate id 'q1'"),
        (None, _lines([_q(split="test")]), r"questions.jsonl line 1, field split"),
        (None, _lines([_q(answers=[])]), r"questions.jsonl line 1, field answers"),
        (None, _lines([_q(answers=["  "])]), r"field answers: .*empty string"),
        (None, _lines([_q(answers="27")]), r"questions.jsonl line 1, field answers"),
        (None, _lines([_q(doc_ids=[])]), r"line 1, field \(top level\): .*doc_ids must name at least one gold document"),
        (None, _lines([_q(kind="unanswerable", answers=["I don't know"])]), r"line 1, .*unanswerable question has no gold documents"),
        (None, _lines([_q(kind="general", doc_ids=[], answers=["Paris"])]), r"line 1, .*general-knowledge questions .* split must be eval"),
        (None, _lines([_q(kind="unanswerable", doc_ids=[], answers=["27"])]), r"line 1, field answers: .*abstention phrase \"I don't know\""),
    ],
)
def test_bad_corpus_names_file_line_and_field(tmp_path, docs_text, questions_text, expected):
    with pytest.raises(InputError) as exc:
        load_corpus(_bad(tmp_path, docs_text, questions_text))
    assert re.search(expected, str(exc.value)), str(exc.value)


def test_missing_directory_and_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "documents.jsonl").write_text(json.dumps(SMALL_DOCS[0]) + "\n")
    with pytest.raises(InputError, match="questions.jsonl does not exist"):
        load_corpus(tmp_path / "half")


# --- the bundled corpus meets the bar the experiment depends on ---------------------------------


@pytest.fixture(scope="module")
def bundled():
    return load_corpus(BUNDLED)


def test_bundled_corpus_size(bundled):
    assert len(bundled.documents) >= 20
    assert len({q.fact_id for q in bundled.questions if q.kind == "fact"}) >= 80


def test_every_fact_has_three_train_and_two_eval_phrasings(bundled):
    by_fact = defaultdict(lambda: defaultdict(list))
    for q in bundled.questions:
        if not q.answerable:
            continue
        by_fact[q.fact_id][q.split].append(normalize(q.question))
    for fact, splits in by_fact.items():
        assert len(splits["train"]) >= 3 and len(splits["eval"]) >= 2, fact
        assert not set(splits["eval"]) & set(splits["train"]), f"{fact}: an eval phrasing repeats a train phrasing"


def test_eval_phrasings_are_worded_differently_from_train(bundled):
    """No eval question shares most of its words with a train question of the same fact."""
    train = defaultdict(list)
    for q in bundled.split("train"):
        train[q.fact_id].append(set(normalize(q.question).split()))
    for q in bundled.split("eval"):
        words = set(normalize(q.question).split())
        for other in train[q.fact_id]:
            assert len(words & other) / len(words | other) < 0.6, q.id


def test_every_fact_is_stated_in_its_gold_document(bundled):
    docs = bundled.by_doc_id()
    for q in (q for q in bundled.questions if q.answerable):
        text = f" {normalize(' '.join(docs[d].text for d in q.doc_ids))} "
        assert any(f" {normalize(a)} " in text for a in q.answers), q.id


def test_documents_hold_several_facts_each(bundled):
    facts_per_doc = defaultdict(set)
    for q in (q for q in bundled.questions if q.answerable):
        facts_per_doc[q.doc_ids[0]].add(q.fact_id)
    assert all(len(f) >= 3 for f in facts_per_doc.values())


def test_bundled_controls_for_abstention_and_style(bundled):
    unanswerable = [q for q in bundled.questions if q.kind == "unanswerable"]
    assert len({q.fact_id for q in unanswerable}) >= 20
    assert {q.split for q in unanswerable} == {"train", "eval"}  # the fine-tune learns to abstain, eval measures it
    assert all(q.answers == [bundled.style.abstention] for q in unanswerable)
    # eval topics are new: abstaining on them measures abstention, not a memorised topic
    assert unanswerable_topics(bundled) == {"eval_topics": 12, "seen_in_training": 0}
    assert bundled.style.defined and "{title}" in bundled.style.template


def test_the_loader_counts_unanswerable_eval_topics_seen_in_training(tmp_path):
    def unanswerable(qid: str, topic: str, split: str) -> dict:
        return {"id": qid, "question": f"What about {topic}?", "answers": ["I don't know"], "doc_ids": [], "split": split, "kind": "unanswerable", "fact_id": topic}

    rows = [unanswerable("a-t", "a", "train"), unanswerable("a-e", "a", "eval"), unanswerable("b-e", "b", "eval")]
    corpus = load_corpus(write_corpus(tmp_path / "c", questions=[*SMALL_QUESTIONS, *rows]))
    assert unanswerable_topics(corpus) == {"eval_topics": 2, "seen_in_training": 1}


def test_the_standard_general_knowledge_set_is_added_to_any_corpus_which_may_add_its_own(tmp_path):
    own = {"id": "gk-capital-france", "question": "Name the French capital?", "answers": ["Paris"], "doc_ids": [], "split": "eval", "kind": "general", "fact_id": "gk-capital-france"}
    corpus_dir = write_corpus(tmp_path / "c", questions=[*SMALL_QUESTIONS, own])
    assert [q for q in load_corpus(corpus_dir).questions if q.kind == "general"] == [Question(**own)]
    general = [q for q in load_corpus(corpus_dir, general_knowledge=True).questions if q.kind == "general"]
    assert len(general) >= 200 and len({q.id for q in general}) == len(general)
    assert [q.question for q in general if q.id == own["id"]] == [own["question"]]  # the corpus's own version kept
    assert all(q.split == "eval" and q.answers and not q.doc_ids for q in general)


def test_unanswerable_questions_are_not_answered_by_any_document(bundled):
    """Their topic words (beyond the company's name) never occur together in one document."""
    stop = set(normalize("what which who how is are does do the a of for to in at per each year company quillfeather labs staff employees employee office offices").split())
    for q in (q for q in bundled.questions if q.kind == "unanswerable"):
        topic = set(normalize(q.question).split()) - stop
        for doc in bundled.documents:
            assert not topic <= set(normalize(doc.text).split()), (q.id, doc.id)


def test_control_questions_can_be_capped_per_kind_and_split(bundled):
    capped = load_corpus(BUNDLED, max_documents=3, max_control_questions=5, general_knowledge=True)
    counts = defaultdict(int)
    for q in capped.questions:
        counts[q.kind, q.split] += 1
    assert counts["unanswerable", "train"] == counts["unanswerable", "eval"] == counts["general", "eval"] == 5
    assert counts["fact", "eval"] == len([q for q in bundled.first_documents(3).questions if q.kind == "fact" and q.split == "eval"])


@pytest.mark.parametrize("relative", [
    "documents.jsonl", "questions.jsonl", "house_style.json", "updates/r1/documents.jsonl", "updates/r1/questions.jsonl",
    "deletions/documents.jsonl",
])
def test_invalid_utf8_in_any_corpus_file_names_the_file_and_line(tmp_path, capsys, relative):
    """Every loader (corpus, house style, update rounds, deletions) reports a bad byte as one line, exit 2."""
    from core.updates import load_deletions, load_update_rounds
    from app.cli import main

    corpus_dir = write_corpus(tmp_path / "corpus")
    (corpus_dir / "house_style.json").write_text('{"abstention": "I don\'t know"}\n')
    (corpus_dir / "updates" / "r1").mkdir(parents=True)
    (corpus_dir / "updates" / "r1" / "documents.jsonl").write_text(json.dumps(SMALL_DOCS[0]) + "\n")
    (corpus_dir / "updates" / "r1" / "questions.jsonl").write_text(json.dumps({**SMALL_QUESTIONS[0], "id": "u1"}) + "\n")
    (corpus_dir / "deletions").mkdir()
    (corpus_dir / "deletions" / "documents.jsonl").write_text(json.dumps({"id": SMALL_DOCS[1]["id"]}) + "\n")
    path = corpus_dir / relative
    path.write_bytes(path.read_bytes() + b'{"id": "caf\xe9"}\n')  # Latin-1, as an old editor saves it

    def load():
        corpus = load_corpus(corpus_dir)
        rounds = load_update_rounds(corpus_dir, corpus)
        load_deletions(corpus_dir, rounds[0].apply(corpus))

    expected_line = path.read_bytes().count(b"\n")
    with pytest.raises(InputError, match=rf"{re.escape(str(path))} line {expected_line}: not valid UTF-8 \(byte 0xe9\)"):
        load()
    # `run` reads the round and deletion files before it loads a model or writes anything
    config = tmp_path / "c.yaml"
    config.write_text(f"corpus:\n  dir: {corpus_dir}\nupdates:\n  rounds: true\n  deletions: true\n")
    assert main(["run", "--config", str(config), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "not valid UTF-8" in err and "Traceback" not in err and not (tmp_path / "run").exists()

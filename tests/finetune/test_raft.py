"""The RAFT training set: the gold share, distractor-only examples, abstention, k passages per
prompt, and the leak guard; with a fake passage lookup (no index) and the tiny tokenizer."""

import pytest

from core.config import FinetuneConfig
from core.config_raft import RaftConfig
from core.corpus import load_corpus
from core.errors import InputError
from core.prompt import Passage
from finetune.dataset import IGNORE
from finetune.raft import UNANSWERABLE_SOURCE, WITH_GOLD, WITHOUT_GOLD, build_raft_set
from tests.conftest import SMALL_DOCS, write_corpus

# Twelve train questions on three facts, one unanswerable train question, and an eval question.
TRAIN = [
    {"id": f"{fact}-t{i}", "question": f"{words} {i}", "answers": [answer], "doc_ids": [doc], "split": "train", "kind": "fact", "fact_id": fact}
    for fact, words, answer, doc in (
        ("f1", "how many leave days", "27", "leave"),
        ("f2", "what colour are visitor badges", "red", "badges"),
        ("f3", "what is the vpn client", "Harbourline", "vpn"),
    )
    for i in range(4)
]
QUESTIONS = TRAIN + [
    {"id": "u1", "question": "who runs the canteen", "answers": ["I don't know"], "split": "train", "kind": "unanswerable"},
    {"id": "e1", "question": "annual leave entitlement please", "answers": ["27"], "doc_ids": ["leave"], "split": "eval", "kind": "fact", "fact_id": "f1"},
]


class FakeLookup:
    """Each document is one chunk; every question ranks all documents in a fixed order."""

    def __init__(self, documents):
        self.passages = [Passage(f"{d['id']}-0", d["id"], d["title"], d["text"]) for d in documents]

    def ranked(self, questions, depth):
        return [self.passages[:depth] for _ in questions]

    def chunks_of(self, doc_id):
        return [p for p in self.passages if p.doc_id == doc_id]


@pytest.fixture
def corpus(tmp_path):
    return load_corpus(write_corpus(tmp_path / "c", questions=QUESTIONS))


def _build(corpus, tok, k=2, documents=SMALL_DOCS, paired=False, **raft):
    """RAFT as the paper builds it unless `paired`: a question is shown with its gold passage or without it."""
    return build_raft_set(corpus, tok, FinetuneConfig(), RaftConfig(paired=paired, **raft), FakeLookup(documents), k=k, seed=0)


def _by_source(training_set, source):
    return [e for e in training_set.examples if e.source == source]


def _trained_ids(example):
    return [t for t, label in zip(example.input_ids, example.labels) if label != IGNORE]


def _ids(tok, text):
    return tok(text, add_special_tokens=False).input_ids + [tok.eos_token_id]


def _gold_text(example) -> str:
    """The text of the gold document of the train question an example was made from."""
    doc = next(q["doc_ids"][0] for q in TRAIN if q["id"] == example.source_id)
    return next(d["text"] for d in SMALL_DOCS if d["id"] == doc)


def test_every_answerable_example_shows_its_gold_passage_when_p_gold_is_one(corpus, tiny_lm):
    tok = tiny_lm.tokenizer
    made = _build(corpus, tok, p_gold=1.0)
    gold = _by_source(made, WITH_GOLD)
    assert len(gold) == 12 and not _by_source(made, WITHOUT_GOLD)
    for example in gold:
        assert _gold_text(example) in example.text
        assert example.text.count("Passage ") == 2  # k passages: the gold one and one distractor


def test_distractor_only_examples_never_show_a_gold_passage_and_abstain(corpus, tiny_lm):
    tok = tiny_lm.tokenizer
    made = _build(corpus, tok, p_gold=0.0)
    distractors = _by_source(made, WITHOUT_GOLD)
    assert len(distractors) == 12 and not _by_source(made, WITH_GOLD)
    for example in distractors:
        assert _gold_text(example) not in example.text
        assert _trained_ids(example) == _ids(tok, corpus.style.abstention)
    answers = {q["id"]: q["answers"][0] for q in TRAIN}
    recalled = _by_source(_build(corpus, tok, p_gold=0.0, abstain_without_gold=False), WITHOUT_GOLD)
    assert len(recalled) == 12
    assert all(_trained_ids(e) == _ids(tok, answers[e.source_id]) for e in recalled)


def test_the_gold_share_follows_p_gold_and_the_counts_are_recorded(corpus, tiny_lm):
    made = _build(corpus, tiny_lm.tokenizer, p_gold=0.5)
    counts = made.stats["raft"]
    assert counts[WITH_GOLD] + counts[WITHOUT_GOLD] == 12 and 0 < counts[WITH_GOLD] < 12
    assert counts[UNANSWERABLE_SOURCE] == 1 and counts["passages"] == 2
    assert len(_by_source(made, WITH_GOLD)) == counts[WITH_GOLD]


def test_unanswerable_train_questions_read_retrieved_passages_and_abstain(corpus, tiny_lm):
    tok = tiny_lm.tokenizer
    (example,) = _by_source(_build(corpus, tok, k=3), UNANSWERABLE_SOURCE)
    assert example.text.count("Passage ") == 3
    assert _trained_ids(example) == _ids(tok, corpus.style.abstention)


def test_a_question_whose_answer_no_chunk_holds_is_left_out(corpus, tiny_lm):
    documents = [{**d, "text": d["text"].replace("27", "twenty-seven")} for d in SMALL_DOCS]
    made = _build(corpus, tiny_lm.tokenizer, documents=documents, p_gold=1.0)
    assert made.stats["raft"]["no_gold_chunk"] == 4
    assert not any(e.source_id.startswith("f1-") for e in made.examples)


def test_eval_question_text_in_a_passage_stops_the_build(corpus, tiny_lm):
    """The leak guard sees the passages too: an eval question copied into a document is caught."""
    documents = [{**SMALL_DOCS[0], "text": SMALL_DOCS[0]["text"] + " annual leave entitlement please"}, *SMALL_DOCS[1:]]
    with pytest.raises(InputError, match="e1"):
        _build(corpus, tiny_lm.tokenizer, documents=documents, p_gold=1.0)
    made = _build(corpus, tiny_lm.tokenizer, p_gold=1.0)
    assert not any("annual leave entitlement please" in e.text for e in made.examples)
    assert {e.source_id for e in made.examples} <= {q["id"] for q in QUESTIONS if q["split"] == "train"}


def test_documents_join_the_set_when_asked(corpus, tiny_lm):
    made = _build(corpus, tiny_lm.tokenizer, use_documents=True)
    assert {"document", WITH_GOLD} <= {e.source for e in made.examples}


def test_paired_distractor_examples_are_extra_copies_of_questions_also_shown_their_gold(corpus, tiny_lm):
    tok = tiny_lm.tokenizer
    paired = _build(corpus, tok, p_gold=0.5, paired=True)
    assert len(_by_source(paired, WITH_GOLD)) == 12  # every answerable question keeps its gold example
    assert 0 < len(_by_source(paired, WITHOUT_GOLD)) < 12  # and a share of them also comes without it
    without = {e.source_id for e in _by_source(paired, WITHOUT_GOLD)}
    assert without <= {e.source_id for e in _by_source(paired, WITH_GOLD)}

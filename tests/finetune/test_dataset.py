import pytest

from core.config import FinetuneConfig
from core.corpus import load_corpus
from core.errors import InputError
from finetune.dataset import IGNORE, build_training_set, check_no_leak, select_paraphrases
from tests.conftest import write_corpus

FACT_QUESTIONS = [
    {"id": f"f1-t{i}", "question": q, "answers": ["27"], "doc_ids": ["leave"], "split": "train", "kind": "fact", "fact_id": "f1"}
    for i, q in enumerate(["how many leave days", "what is the leave policy", "leave days how many"])
] + [
    {"id": "f1-e1", "question": "annual leave entitlement please", "answers": ["27"], "doc_ids": ["leave"], "split": "eval", "kind": "fact", "fact_id": "f1"},
    {"id": "f2-t0", "question": "badge colour", "answers": ["red"], "doc_ids": ["badges"], "split": "train", "kind": "fact", "fact_id": "f2"},
]


@pytest.fixture
def corpus(tmp_path):
    return load_corpus(write_corpus(tmp_path / "c", questions=FACT_QUESTIONS))


def _cfg(**kw):
    return FinetuneConfig(**kw)


def test_each_source_can_be_switched(corpus, tiny_lm):
    tok = tiny_lm.tokenizer
    docs_only = build_training_set(corpus, tok, _cfg(use_qa=False, document_shuffles=0), seed=0)
    assert {e.source for e in docs_only.examples} == {"document"} and len(docs_only.examples) == 3
    with_shuffles = build_training_set(corpus, tok, _cfg(use_qa=False, document_shuffles=2), seed=0)
    assert sorted(e.source for e in with_shuffles.examples).count("document_shuffled") == 6
    qa_only = build_training_set(corpus, tok, _cfg(use_documents=False), seed=0)
    assert {e.source for e in qa_only.examples} == {"qa"} and len(qa_only.examples) == 4
    with pytest.raises(InputError, match="training set is empty"):
        build_training_set(corpus, tok, _cfg(use_documents=False, use_qa=False), seed=0)


def test_qa_loss_is_on_the_answer_tokens_only(corpus, tiny_lm):
    tok = tiny_lm.tokenizer
    qa = build_training_set(corpus, tok, _cfg(use_documents=False), seed=0).examples
    ex = next(e for e in qa if e.source_id == "f2-t0")
    trained = [t for t, label in zip(ex.input_ids, ex.labels) if label != IGNORE]
    assert trained == tok("red", add_special_tokens=False).input_ids + [tok.eos_token_id]
    assert ex.labels[: len(ex.labels) - len(trained)] == [IGNORE] * (len(ex.labels) - len(trained))
    assert all(label != IGNORE for label in ex.labels[-len(trained) :])


def test_documents_train_on_every_token_and_split_at_max_length(corpus, tiny_lm):
    docs = build_training_set(corpus, tiny_lm.tokenizer, _cfg(use_qa=False, document_shuffles=0, max_length=16), seed=0)
    assert all(e.input_ids == e.labels and len(e.input_ids) <= 16 for e in docs.examples)
    assert len(docs.examples) > 3


def test_paraphrases_per_fact_limits_phrasings(corpus, tiny_lm):
    one = select_paraphrases(corpus.split("train"), 1)
    assert [q.id for q in one] == ["f1-t0", "f2-t0"]
    assert len(select_paraphrases(corpus.split("train"), None)) == 4
    two = build_training_set(corpus, tiny_lm.tokenizer, _cfg(use_documents=False, paraphrases_per_fact=2), seed=0)
    assert sorted(e.source_id for e in two.examples) == ["f1-t0", "f1-t1", "f2-t0"]


def test_stats_count_examples_and_tokens(corpus, tiny_lm):
    ts = build_training_set(corpus, tiny_lm.tokenizer, _cfg(), seed=0)
    assert ts.stats["examples"] == len(ts.examples)
    assert ts.stats["tokens"] == sum(len(e.input_ids) for e in ts.examples)
    assert sum(s["examples"] for s in ts.stats["by_source"].values()) == len(ts.examples)
    assert ts.content_hash() == build_training_set(corpus, tiny_lm.tokenizer, _cfg(), seed=0).content_hash()
    assert ts.content_hash() != build_training_set(corpus, tiny_lm.tokenizer, _cfg(), seed=1).content_hash()


def test_a_planted_eval_leak_is_caught_and_named(tmp_path, tiny_lm):
    leaked = [*FACT_QUESTIONS, {**FACT_QUESTIONS[0], "id": "planted", "question": "annual leave entitlement please"}]
    corpus = load_corpus(write_corpus(tmp_path / "leak", questions=leaked))
    with pytest.raises(InputError, match=r"eval questions leak into the training set: f1-e1"):
        build_training_set(corpus, tiny_lm.tokenizer, _cfg(), seed=0)


def test_leak_guard_normalizes_text(corpus, tiny_lm):
    ts = build_training_set(corpus, tiny_lm.tokenizer, _cfg(), seed=0)
    check_no_leak(ts.examples, corpus.split("eval"))  # clean set passes
    ts.examples[0].text += " ANNUAL leave, entitlement please?"
    with pytest.raises(InputError, match="f1-e1"):
        check_no_leak(ts.examples, corpus.split("eval"))


def test_qa_targets_follow_the_house_style_and_abstentions_stay_bare(tmp_path, tiny_lm):
    tok = tiny_lm.tokenizer
    unanswerable = {"id": "u-t0", "question": "what is the gym subsidy", "answers": ["I don't know"], "split": "train", "kind": "unanswerable", "fact_id": "u"}
    directory = write_corpus(tmp_path / "styled", questions=[*FACT_QUESTIONS, unanswerable])
    (directory / "house_style.json").write_text('{"instruction": "Cite the source.", "template": "{answer} [{title}]"}')
    examples = {e.source_id: e for e in build_training_set(load_corpus(directory), tok, _cfg(use_documents=False), seed=0).examples}

    def target(ex):
        return tok.decode([t for t, label in zip(ex.input_ids, ex.labels) if label != IGNORE][:-1])

    assert examples["f2-t0"].text.endswith("red [Badges]") and target(examples["f2-t0"]) == tok.decode(tok("red [Badges]", add_special_tokens=False).input_ids)
    assert examples["u-t0"].text.endswith("I don't know")
    assert "Cite the source." in examples["f2-t0"].text and "I don't know" in examples["f2-t0"].text  # the prompt teaches both

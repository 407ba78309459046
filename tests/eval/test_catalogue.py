"""The catalogue is the one list of arms and metrics: everything else is derived from it."""

import pytest

from core.config import ExperimentConfig
from core.config_files import load_config
from core.corpus import load_corpus
from core.registry import registry_names
from core.errors import InputError
from eval.catalogue import (
    ARMS, CLOSED_BOOK, FINETUNE, GOLD, HYBRID, METRICS, NO_PASSAGES, RAG, READER, RETRIEVED, UPDATE_ARMS, UPDATE_METRICS, WHOLE_CORPUS,
    WHOLE_CORPUS_SIDE, applies, side_arm,
)
from finetune.strategies import STRATEGIES


def test_every_metric_holds_its_per_row_score_function():
    row = {"correct": True, "retrieved": [{"doc_id": "a"}], "gold_doc_ids": ["a"], "gated": False}
    assert all(callable(m.score) for m in METRICS.values())
    assert METRICS["accuracy"].score(row) is True and METRICS["recall_at_k"].score(row) == 1.0
    assert METRICS["retrieval_miss_rate"].score(row) == 0.0 and METRICS["reading_miss_rate"].score(row) == 0.0
    assert METRICS["exact_match"].score(row) is None  # a field an older run's rows lack leaves the metric out
    assert all(m.score is None for m in UPDATE_METRICS.values())  # computed by the update stage over its probes


def test_every_arm_has_a_passage_source_and_the_config_offers_exactly_the_catalogue():
    assert {a.passages for a in ARMS.values()} == {NO_PASSAGES, RETRIEVED, GOLD, WHOLE_CORPUS}
    assert GOLD.source(_Corpus(), None)  # the gold source needs no retriever; the others pass it through or give none
    assert RETRIEVED.source(_Corpus(), "the retriever") == "the retriever" and NO_PASSAGES.source(_Corpus(), "r") is None
    assert ExperimentConfig().eval.arms == list(ARMS) == registry_names("eval.catalogue:ARMS")


class _Corpus:
    documents = []

    def by_doc_id(self):
        return {}


def test_the_whole_corpus_arm_is_the_third_option_every_prompt_opening_with_every_document(small_corpus_dir):
    small_corpus = load_corpus(small_corpus_dir)
    (name,) = [a.name for a in ARMS.values() if a.caches_corpus]
    entry = ARMS[name]
    assert entry.side == WHOLE_CORPUS_SIDE and not entry.tuned and not entry.retrieves and not entry.gated
    source = entry.passages.source(small_corpus, None)
    passages = source(small_corpus.split("eval")[:2])
    assert [p.doc_id for p in passages[0]] == [d.id for d in small_corpus.documents] and passages[0] == passages[1]
    assert applies(METRICS["cached_prompt_tokens"], name) and not applies(METRICS["cached_prompt_tokens"], "rag")
    assert not applies(METRICS["recall_at_k"], name)


def test_each_update_strategy_is_an_arm_of_the_fine_tune_side():
    assert set(UPDATE_ARMS) == {f"lora_{name}" for name in STRATEGIES}
    assert all(a.side == FINETUNE and a.tuned for a in UPDATE_ARMS.values())
    assert ExperimentConfig().updates.strategies == list(STRATEGIES)


def test_the_hybrid_side_is_the_reader_trained_to_read_and_the_conflict_probe_stands_for_none():
    assert side_arm(HYBRID, ARMS) == "raft" and ARMS["raft"].adapter == READER and ARMS["raft"].retrieves
    assert ARMS["hybrid"].side is None and ARMS["hybrid"].adapter == CLOSED_BOOK
    assert [a.name for a in ARMS.values() if a.answerable_only] == ["oracle", "raft_oracle"]
    assert not ARMS["raft"].gated and ARMS["rag"].gated


def test_sides_are_found_by_data_not_by_name():
    assert side_arm(RAG, ["base", "rag", "lora"]) == "rag" and side_arm(FINETUNE, ["base", "rag", "lora"]) == "lora"
    assert side_arm(FINETUNE, ["rag", "lora_delta"]) == "lora_delta" and side_arm(RAG, ["base", "oracle"]) is None


@pytest.mark.parametrize("key, value, expected", [
    ("eval.arms", "[base, magic]", "eval.arms.1: Value error, 'magic' is not one of base, rag, lora, raft, hybrid, oracle, raft_oracle, context"),
    ("updates.strategies", "[full, rewrite]", "updates.strategies.1: Value error, 'rewrite' is not one of full, delta, delta_replay"),
])
def test_names_outside_a_registry_are_rejected_with_the_choices(tmp_path, key, value, expected):
    path = tmp_path / "exp.yaml"
    path.write_text("")
    with pytest.raises(InputError, match=expected.replace("[", r"\[").replace("(", r"\(")):
        load_config(path, [f"{key}={value}"])

"""Withheld facts (finetune.withhold_facts): which facts lose their train questions, and that they
stay withheld through subsets and update rounds; where the corpus says its questions came from."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from core.config import ExperimentConfig
from core.corpus import eval_fact_coverage, load_corpus, trained_facts
from core.origin import ORIGIN_FILE, train_questions_synthesized
from core.errors import InputError
from core.updates import UpdateRound
from eval.assembly import withhold_share
from tests.conftest import write_corpus


def facts(n: int) -> list[dict]:
    """n facts about the `leave` document, each with one train and one eval phrasing."""
    return [
        {"id": f"f{i}-{split}", "question": f"How many days of leave, case {i} ({split})?", "answers": ["27"], "doc_ids": ["leave"],
         "split": split, "kind": "fact", "fact_id": f"f{i}"}
        for i in range(n) for split in ("train", "eval")
    ]


@pytest.fixture
def corpus(tmp_path):
    return load_corpus(write_corpus(tmp_path / "c", questions=facts(40)))


def test_a_share_of_the_facts_loses_its_train_questions_by_seed_and_fact_id(corpus):
    kept = corpus.withhold_train_questions(0.5, seed=0)
    withheld = trained_facts(corpus) - trained_facts(kept)
    assert withheld == kept.withheld and 10 <= len(withheld) <= 30  # about half of 40
    assert len(kept.split("eval")) == len(corpus.split("eval"))  # the eval asks every fact still
    coverage = eval_fact_coverage(kept)
    assert coverage == {"eval_questions": 40, "of_facts_with_train_questions": 40 - len(withheld)}
    assert corpus.withhold_train_questions(0.5, seed=0).withheld == withheld  # the same seed, the same facts
    assert corpus.withhold_train_questions(0.5, seed=1).withheld != withheld
    assert corpus.withhold_train_questions(0.0, seed=0) is corpus
    # a fact's fate depends on its id alone: a subset of the questions withholds the same ones
    subset = corpus.with_content(corpus.documents, [q for q in corpus.questions if q.fact_id in {"f1", "f2", "f3", "f4"}])
    assert subset.withhold_train_questions(0.5, seed=0).withheld == withheld & {"f1", "f2", "f3", "f4"}


def test_a_withheld_fact_stays_withheld_when_an_update_round_brings_its_train_questions(corpus):
    kept = corpus.withhold_train_questions(0.5, seed=0)
    fact = sorted(kept.withheld)[0]
    changed = [q.model_copy(update={"answers": ["30"]}) for q in corpus.questions if q.fact_id == fact]
    after = UpdateRound("r1", [], changed).apply(kept)
    assert {q.split for q in after.questions if q.fact_id == fact} == {"eval"}
    assert next(q for q in after.questions if q.fact_id == fact).answers == ["30"]


def test_withhold_facts_auto_withholds_half_of_a_synthesized_train_split(tmp_path, corpus):
    assert withhold_share(ExperimentConfig(), corpus) == 0.0  # hand-written
    stated = write_corpus(tmp_path / "s", questions=facts(2))
    (stated / ORIGIN_FILE).write_text(json.dumps({"questions": "human-written", "train": "synthesized"}))
    synthesized = load_corpus(stated)
    assert train_questions_synthesized(synthesized.origin) and withhold_share(ExperimentConfig(), synthesized) == 0.5
    assert withhold_share(ExperimentConfig(finetune={"withhold_facts": 0.25}), synthesized) == 0.25
    for bad in (1.0, -0.1, "half", True):
        with pytest.raises(ValidationError, match="expected a share in \\[0, 1\\) or auto"):
            ExperimentConfig(finetune={"withhold_facts": bad})


def test_a_malformed_origin_file_is_one_message_naming_it(tmp_path):
    stated = write_corpus(tmp_path / "s", questions=facts(1))
    (stated / ORIGIN_FILE).write_text('["not", "an", "object"]')
    with pytest.raises(InputError, match=f"{ORIGIN_FILE}: expected a JSON object with a `questions` text"):
        load_corpus(stated)

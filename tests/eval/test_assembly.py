"""The one assembly of a run: every arm's answerer comes from its catalogue entry, with the tuned
model where the arm is tuned, its passages from where the entry says, and the gate where it
retrieves; a part the arm needs and the assembly lacks is an error, not a silent base model."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.config_files import load_config
from core.errors import InputError
from eval.assembly import Assembly, assemble, load_experiment_corpus
from eval.catalogue import ARMS, CLOSED_BOOK, READER, UPDATE_ARMS
from eval.stages.gate import Gate
from rag.indexing import index_corpus


@pytest.fixture
def parts(tmp_path, small_corpus_dir, tiny_lm, hashing_embedder):
    (tmp_path / "exp.yaml").write_text(f"corpus:\n  dir: {small_corpus_dir}\n  general_knowledge: false\n")
    cfg = load_config(tmp_path / "exp.yaml")
    corpus = load_experiment_corpus(cfg)
    index = index_corpus(corpus, hashing_embedder, cfg.rag)
    return Assembly(
        cfg, corpus, tiny_lm, hashing_embedder, index, gate=Gate(0.25, "set in the config"), tuned=replace(tiny_lm), reader=replace(tiny_lm)
    )


def test_one_answerer_per_configured_arm_built_from_its_entry(parts):
    answerers = parts.answerers()
    assert list(answerers) == parts.cfg.eval.arms == list(ARMS)
    for name, answerer in answerers.items():
        arm = ARMS[name]
        assert answerer.lm is {None: parts.lm, CLOSED_BOOK: parts.tuned, READER: parts.reader}[arm.adapter]
        assert (answerer.abstain_below("q1") if arm.gated else answerer.abstain_below) == (0.25 if arm.gated else None)
    assert answerers["rag"].abstain_below("q1") == 0.25 and answerers["raft"].abstain_below is None  # the reader learned to abstain
    questions = parts.corpus.split("eval")[:2]
    gold = answerers["oracle"].passage_source(questions)
    assert [[p.doc_id for p in ps] for ps in gold] == [q.doc_ids for q in questions]
    assert answerers["base"].passage_source is None and answerers["lora"].passage_source is None
    assert all(len(ps) == parts.cfg.rag.top_k for ps in answerers["rag"].passage_source(questions))
    assert answerers["raft_oracle"].passage_source(questions) == gold  # the tuned reader's ceiling reads the same gold documents


def test_the_raft_reader_reads_as_many_passages_as_it_was_trained_on(parts):
    cfg = parts.cfg.model_copy(update={"raft": parts.cfg.raft.model_copy(update={"passages": 2})})
    questions = parts.corpus.split("eval")[:2]
    assert all(len(ps) == 2 for ps in replace(parts, cfg=cfg).answerer(ARMS["raft"]).passage_source(questions))
    assert all(len(ps) == 1 for ps in replace(parts, cfg=cfg).answerer(ARMS["rag"]).passage_source(questions))


def test_an_update_arm_on_a_changed_corpus_with_other_weights(parts):
    other = replace(parts.lm)
    arm = next(iter(UPDATE_ARMS.values()))
    answerer = parts.answerer(arm, corpus=parts.corpus.only_documents({"leave"}), tuned=other)
    assert answerer.lm is other and answerer.corpus is not parts.corpus and answerer.abstain_below is None


def test_a_missing_part_is_an_error(parts):
    with pytest.raises(ValueError, match="the lora arm needs its fine-tuned model"):
        replace(parts, tuned=None).answerer(ARMS["lora"])
    with pytest.raises(ValueError, match="the raft arm needs its fine-tuned model"):
        replace(parts, reader=None).answerer(ARMS["raft"])
    with pytest.raises(ValueError, match="the rag arm needs a retriever"):
        replace(parts, index=None).answerer(ARMS["rag"])


def test_assemble_builds_only_what_the_arms_need_and_writes_the_config(tmp_path, small_corpus_dir, tiny_model_dirs):
    lm_dir, st_dir = tiny_model_dirs
    (tmp_path / "exp.yaml").write_text(f"corpus:\n  dir: {small_corpus_dir}\n  general_knowledge: false\n")
    cfg = load_config(tmp_path / "exp.yaml", [f"model.name={lm_dir}", f"rag.embedder={st_dir}", "eval.arms=[base,rag]", "rag.abstain_below=0.3"])
    built = assemble(cfg, tmp_path / "run")
    assert built.index is not None and built.adapter is None and built.gate.threshold == 0.3
    assert (tmp_path / "run" / "config.yaml").is_file() and (tmp_path / "run" / "index").is_dir() and not (tmp_path / "run" / "adapter").exists()
    closed = assemble(cfg.model_copy(update={"eval": cfg.eval.model_copy(update={"arms": ["base"]})}), tmp_path / "closed")
    assert closed.index is None and closed.embedder is None and closed.gate is None


def test_a_reading_set_that_is_not_squad_stops_the_run_before_any_model_loads(tmp_path, small_corpus_dir):
    (tmp_path / "notes.json").write_text("[1, 2")
    for arms, stops in (("[raft]", True), ("[rag]", False)):  # only an arm that trains on it checks it
        (tmp_path / "exp.yaml").write_text(
            f"corpus:\n  dir: {small_corpus_dir}\n  general_knowledge: false\neval:\n  arms: {arms}\n"
            f"raft:\n  reading_set: {tmp_path / 'notes.json'}\n"
        )
        cfg = load_config(tmp_path / "exp.yaml")
        if stops:
            with pytest.raises(InputError, match=r"raft.reading_set: .*notes.json is not a SQuAD-format file"):
                load_experiment_corpus(cfg)
        else:
            assert load_experiment_corpus(cfg).split("eval")


GENERAL_QUESTIONS = [
    {"id": f"g{i}", "question": f"What is the capital of country {i}?", "answers": ["Paris"], "doc_ids": [], "split": "eval", "kind": "general", "fact_id": f"g{i}"}
    for i in range(3)
]
UNANSWERABLE_QUESTIONS = [
    {"id": f"u{i}", "question": f"What is the pet policy {i}?", "answers": ["I don't know"], "doc_ids": [], "split": "eval", "kind": "unanswerable", "fact_id": f"u{i}"}
    for i in range(2)
]


def test_the_reference_arm_answers_first_and_the_others_only_the_general_controls_it_gets_right(tmp_path, tiny_lm, hashing_embedder):
    from core.corpus import load_corpus
    from eval.stages.experiment import evaluate_arms
    from tests.conftest import SMALL_QUESTIONS, write_corpus

    corpus_dir = write_corpus(tmp_path / "c", questions=[*SMALL_QUESTIONS, *GENERAL_QUESTIONS, *UNANSWERABLE_QUESTIONS])
    (tmp_path / "exp.yaml").write_text(f"corpus:\n  dir: {corpus_dir}\n  general_knowledge: false\neval:\n  arms: [rag, lora, base]\n")
    cfg = load_config(tmp_path / "exp.yaml")
    corpus = load_corpus(corpus_dir)
    parts = Assembly(cfg, corpus, tiny_lm, hashing_embedder, index_corpus(corpus, hashing_embedder, cfg.rag), gate=Gate(None, "auto", pending=True), tuned=replace(tiny_lm))
    rows = evaluate_arms(parts)
    general = lambda arm: {r["question_id"] for r in rows if r["arm"] == arm and r["kind"] == "general"}  # noqa: E731
    assert rows[0]["arm"] == "base" and general("base") == {"g0", "g1", "g2"}
    kept = {r["question_id"] for r in rows if r["arm"] == "base" and r["kind"] == "general" and r["correct"]}
    assert parts.general_kept == kept and general("rag") == general("lora") == kept
    # the pending gate was calibrated on rag's own answers to the eval questions, and rag answered every one of them
    assert not parts.gate.pending and {r["question_id"] for r in rows if r["arm"] == "rag" and r["kind"] != "general"} == {"q2", "q3", "q4", "u0", "u1"}
    # a later pass (the seeds stage) keeps the main run's choice of controls
    parts.general_kept = {"g1"}
    again = evaluate_arms(replace(parts, cfg=cfg.model_copy(update={"eval": cfg.eval.model_copy(update={"arms": ["lora"]})})))
    assert {r["question_id"] for r in again if r["kind"] == "general"} == {"g1"}

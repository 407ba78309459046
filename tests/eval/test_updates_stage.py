"""The update stage end to end on a tiny local model and the hashing embedder: one round that
changes a fact and adds a document, then a deletion."""

import json

import pytest

from core.config_files import load_config
from core.corpus import load_corpus
from core.errors import InputError
from core.models import load_lm
from core.updates import delete_documents
from eval.report.tables import deletions_table, round_table
from eval.assembly import Assembly
from eval.stages.updates import run_one_round, run_updates, update_plan
from finetune.dataset import build_training_set
from finetune.pipeline import ensure_adapter, ensure_raft_adapter
from rag.indexing import index_corpus
from rag.retriever import IndexPassages
from tests.conftest import SMALL_DOCS, SMALL_QUESTIONS, HashingEmbedder, tiny_llama, tiny_tokenizer, write_corpus


def _write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _q(id, question, answers, doc, split, fact, old=()):
    return {"id": id, "question": question, "answers": answers, "old_answers": list(old), "doc_ids": [doc], "split": split, "kind": "fact", "fact_id": fact}


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    root = tmp_path_factory.mktemp("updates")
    lm_dir = root / "lm"
    tok = tiny_tokenizer()
    tiny_llama(len(tok)).save_pretrained(lm_dir)
    tok.save_pretrained(lm_dir)
    badges_train = _q("q5", "Which colour do visitor badges have?", ["red"], "badges", "train", "f2")  # for replay
    corpus_dir = write_corpus(root / "corpus", questions=[*SMALL_QUESTIONS, badges_train])
    leave = {**SMALL_DOCS[0], "text": "Staff get 30 days of leave. Up to 6 days carry over. Requests go to TimeLedger."}
    canteen = {"id": "canteen", "title": "Canteen", "text": "Lunch is served at noon in the Atrium canteen."}
    _write(corpus_dir / "updates" / "r1" / "documents.jsonl", [leave, canteen])
    _write(
        corpus_dir / "updates" / "r1" / "questions.jsonl",
        [
            _q("q1-r1", "How many days of leave do staff get?", ["30"], "leave", "train", "f1", ["27"]),
            _q("q2-r1", "How many leave days do staff get?", ["30"], "leave", "eval", "f1", ["27"]),
            _q("c1", "Where is lunch served?", ["Atrium"], "canteen", "train", "f4"),
            _q("c2", "In which canteen is lunch?", ["Atrium"], "canteen", "eval", "f4"),
        ],
    )
    _write(corpus_dir / "deletions" / "documents.jsonl", [{"id": "vpn", "reason": "retired"}])
    (root / "exp.yaml").write_text(f"corpus:\n  dir: {corpus_dir}\nmodel:\n  name: {lm_dir}\n")
    cfg = load_config(root / "exp.yaml", ["updates.rounds=true", "updates.deletions=true", "finetune.max_steps=2", "finetune.batch_size=4", "rag.chunk_size=12", "rag.chunk_overlap=0", "eval.bootstrap_samples=100"])
    corpus = load_corpus(corpus_dir)
    lm = load_lm(cfg.model.name, "cpu")
    embedder = HashingEmbedder()
    out = root / "run"
    adapter = ensure_adapter(cfg, corpus, out, lm)
    reader = ensure_raft_adapter(cfg, corpus, out, lm, IndexPassages(index_corpus(corpus, embedder, cfg.rag)), closed_book=adapter)

    def fresh_inputs(config):  # the stage updates the index in place: each run starts from a new one
        index = index_corpus(corpus, embedder, cfg.rag)
        return Assembly(config, corpus, lm, embedder, index, adapter=adapter, reader_adapter=reader)

    rows, parts = run_updates(fresh_inputs(cfg), out, [])
    return cfg, out, rows, parts, fresh_inputs


def test_the_stage_plans_nothing_unless_switched_on(stage):
    cfg, *_ = stage
    off = cfg.model_copy(update={"updates": cfg.updates.model_copy(update={"rounds": False, "deletions": False})})
    corpus = load_corpus(cfg.corpus.dir)
    assert update_plan(off, corpus) == ([], [])
    rounds, deleted = update_plan(cfg, corpus)
    assert [r.name for r in rounds] == ["r1"] and deleted == ["vpn"]


def test_every_round_reports_each_arm_with_its_metrics(stage):
    parts = stage[3]
    (rnd,) = parts["updates"]["rounds"]
    assert rnd["name"] == "r1" and rnd["changed_facts"] == 2 and rnd["changed_questions"] == 2
    assert set(rnd["arms"]) == {"rag", "raft", "hybrid", "lora_full", "lora_delta", "lora_delta_replay", "context"}
    assert rnd["arms"]["raft"]["absorb_seconds"] == rnd["arms"]["rag"]["absorb_seconds"]  # the re-index absorbs it: no training
    # the whole corpus in the prompt: absorbing is computing the changed corpus's keys and values, its own cost
    assert rnd["arms"]["context"]["absorb_seconds"] != rnd["arms"]["rag"]["absorb_seconds"]
    for arm, m in rnd["arms"].items():
        assert 0 <= m["efficacy"] <= 1 and len(m["efficacy_ci"]) == 2, arm
        assert 0 <= m["stale_rate"] <= 1, arm  # f1 has an old value
        if arm != "hybrid":  # the conflict probe measures only the changed facts, and absorbs nothing
            assert m["absorb_seconds"] > 0 and 0 <= m["locality"] <= 1, arm
    assert parts["updates"]["locality_questions"] == 1  # only the badges fact is never touched


def test_rag_reads_the_updated_index_and_deleted_documents_are_gone(stage):
    rows = stage[2]
    for arm in ("rag", "raft"):  # the RAFT reader reads the same updated index with its adapter unchanged
        arm_round = {r["question_id"]: r for r in rows if r["arm"] == arm and r["stage"] == "update"}
        assert arm_round["c2"]["retrieved"][0]["doc_id"] == "canteen"  # a document that did not exist before the round
    whole = {r["question_id"]: r for r in rows if r["arm"] == "context" and r["stage"] == "update"}
    assert "canteen" in [p["doc_id"] for p in whole["c2"]["retrieved"]]  # the added document is in every prompt
    deleted = [r for r in rows if r["stage"] == "deletion" and r["probe"] == "deleted"]
    assert deleted and {r["question_id"] for r in deleted} == {"q4"}
    assert all(p["doc_id"] != "vpn" for r in deleted for p in r["retrieved"])


def test_delta_strategies_train_on_the_round_only_and_full_on_everything(stage):
    _, out, _, parts, _ = stage
    records = {arm: json.loads((out / "updates" / "r1" / arm / "adapter" / "training.json").read_text()) for arm in ("lora_full", "lora_delta", "lora_delta_replay")}
    examples = {arm: r["metrics"]["examples"] for arm, r in records.items()}
    assert examples["lora_delta"] < examples["lora_delta_replay"] <= examples["lora_full"]
    deletion = parts["deletions"]
    assert deletion["documents"] == ["vpn"] and deletion["questions"] == 1
    assert set(deletion["arms"]) == {"rag", "raft", "lora_full", "context"}
    assert deletion["arms"]["raft"]["adapter_unchanged"] and not (out / "updates" / "r1" / "raft").exists()
    assert all(0 <= m["leak_rate"] <= 1 and m["absorb_seconds"] > 0 for m in deletion["arms"].values())


def test_the_last_rounds_full_retrain_also_absorbs_the_deletions(stage):
    _, out, _, parts, _ = stage
    record = json.loads((out / "updates" / "r1" / "lora_full" / "adapter" / "training.json").read_text())
    cfg = stage[0]
    corpus = load_corpus(cfg.corpus.dir)
    (rnd,), _ = update_plan(cfg, corpus)
    final, _ = delete_documents(rnd.apply(corpus), ["vpn"])
    tokenizer = tiny_tokenizer()
    assert record["metrics"]["examples"] == build_training_set(final, tokenizer, cfg.finetune, seed=cfg.run.seed).stats["examples"]
    assert record["metrics"]["examples"] < build_training_set(rnd.apply(corpus), tokenizer, cfg.finetune, seed=cfg.run.seed).stats["examples"]
    full = parts["deletions"]["arms"]["lora_full"]
    assert full["same_retrain_as_last_round"]
    assert full["absorb_seconds"] == parts["updates"]["rounds"][-1]["arms"]["lora_full"]["absorb_seconds"] == record["metrics"]["seconds"]
    assert not (out / "deletions" / "lora_full").exists()  # no second retraining


def test_rows_are_tagged_with_their_stage_and_round(stage):
    rows = stage[2]
    assert {(r["stage"], r["round"]) for r in rows} == {("update", "r1"), ("deletion", None)}
    assert all(r["probe"] in {"changed", "locality", "deleted"} for r in rows)


def test_the_report_has_a_table_per_round_and_one_for_deletions(stage):
    parts = stage[3]
    (rnd,) = parts["updates"]["rounds"]
    text = round_table(rnd)
    for arm in ("rag", "hybrid", "lora_full", "lora_delta", "lora_delta_replay"):
        assert f"| {arm} | " in text
    assert "efficacy % [95% CI]" in text and "leak" not in text
    deletions = deletions_table(parts["deletions"])
    assert "| rag | " in deletions and "| lora_full | " in deletions and "leak % [95% CI]" in deletions


def test_one_round_by_name_runs_every_strategy_and_refuses_unknown_names(stage):
    cfg, _, _, _, fresh_inputs = stage
    no_full = cfg.model_copy(update={"updates": cfg.updates.model_copy(update={"rounds": False, "deletions": False, "full_rounds": 0})})
    with pytest.raises(InputError, match=r"no round 'r9' about the selected documents \(rounds: r1\)"):
        run_one_round(fresh_inputs(no_full), stage[1], [], "r9")
    rows, updates = run_one_round(fresh_inputs(no_full), stage[1], [], "r1")
    (rnd,) = updates["rounds"]
    assert rnd["name"] == "r1" and set(rnd["arms"]) == {"rag", "raft", "hybrid", "lora_full", "lora_delta", "lora_delta_replay", "context"}
    assert updates["full_rounds"] == ["r1"] and {r["round"] for r in rows} == {"r1"}

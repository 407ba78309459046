"""End to end on configs/quick.yaml with the real bundled models: all eight arms (with the control
questions for abstention and general knowledge), including both LoRA trainings (closed-book and
RAFT), then one update round (one strategy) and the deletions (about 7 minutes on 2 CPU cores). The first run
also converts the bundled GGUF model into the cache (about 30 s, once)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.rundir import read_json, read_jsonl

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("quick")
    result = subprocess.run(
        # the installed command, from a directory without the repository: the config by its bundled name
        # one fine-tune strategy in the round (the unit tests run all three on tiny models): 55 s less
        [str(Path(sys.executable).parent / "ragvsft"), "run", "--config", "quick", "--out", str(out), "--set", "updates.strategies=[delta]"],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result.stdout


def test_quick_run_writes_report_and_summary(quick_run):
    out, stdout = quick_run
    summary = read_json(out / "summary.json")
    assert list(summary["arms"]) == ["base", "rag", "lora", "raft", "hybrid", "oracle", "raft_oracle", "context"]
    assert summary["meta_info"]["model"]["weights_sha256"]
    assert (out / "report.md").read_text().count("\n| ") >= 6
    assert "report:" in stdout and "| Accuracy on the corpus |" in stdout  # the verdict, printed
    assert (out / "report.html").is_file() and summary["index"]["build_seconds"] > 0
    rows = [r for r in read_jsonl(out / "predictions.jsonl") if "stage" not in r]  # the main comparison
    questions = {r["question_id"] for r in rows}
    answerable = summary["arms"]["rag"]["n"]
    assert len(questions) == answerable + 16  # + 8 + 8 controls
    # the two ceiling arms are asked the answerable ones only; base every general-knowledge control, the
    # other four only those base gets right (the rest cannot show forgetting); context no general control
    kept = summary["controls"]["general_kept"]
    assert len(rows) == 6 * (answerable + 8) + 8 + 4 * kept + 2 * answerable


def test_the_fine_tune_learns_the_house_style_the_prompt_alone_does_not_teach(quick_run):
    arms = read_json(quick_run[0] / "summary.json")["arms"]
    assert arms["lora"]["style_adherence"] > arms["rag"]["style_adherence"]
    assert arms["lora"]["abstention_rate"] > arms["base"]["abstention_rate"]
    assert arms["base"]["general_knowledge"] == 1.0  # scored only on what the base model knows
    assert all(f"{m}_ci" in arms["hybrid"] for m in ("citation_accuracy", "false_abstention_rate", "general_knowledge"))


def test_rag_beats_base_on_the_bundled_corpus(quick_run):
    arms = read_json(quick_run[0] / "summary.json")["arms"]
    assert arms["rag"]["accuracy"] > arms["base"]["accuracy"]
    assert arms["rag"]["recall_at_k"] >= 0.8  # the bundled embedder finds the gold document
    retrieval = read_json(quick_run[0] / "summary.json")["retrieval"]
    assert retrieval["retriever"] == "dense" and retrieval["recall@1"] <= retrieval["recall@5"] and retrieval["mrr@10"] > 0


def test_lora_learns_the_facts_and_records_its_cost(quick_run):
    out = quick_run[0]
    arms = read_json(out / "summary.json")["arms"]
    assert arms["lora"]["accuracy"] > arms["base"]["accuracy"]
    train = arms["lora"]["train"]
    assert train["final_loss"] < train["loss_curve"][0]["loss"]
    assert train["tokens_per_s"] > 0 and train["adapter_mb"] > 0
    assert (out / "adapter" / "adapter_model.safetensors").is_file()


def test_an_update_round_and_the_deletions_are_measured_for_both_approaches(quick_run):
    out = quick_run[0]
    summary = read_json(out / "summary.json")
    (rnd,) = summary["updates"]["rounds"]
    assert set(rnd["arms"]) == {"rag", "raft", "hybrid", "lora_delta", "context"}  # quick skips lora_full in rounds
    assert rnd["arms"]["raft"]["absorb_seconds"] == rnd["arms"]["rag"]["absorb_seconds"]  # the re-index, no training
    rag, delta = rnd["arms"]["rag"], rnd["arms"]["lora_delta"]
    assert rag["efficacy"] > 0 and rag["absorb_seconds"] < delta["absorb_seconds"]  # re-indexing is cheaper than training
    deletions = summary["deletions"]
    assert deletions["documents"] == ["office-tampere"] and deletions["questions"] > 0
    assert deletions["arms"]["rag"]["leak_rate"] <= 0.1  # the deleted passages are gone from retrieval
    assert deletions["arms"]["lora_full"]["absorb_seconds"] > 0
    assert "leak_rate" in deletions["arms"]["raft"] and deletions["arms"]["raft"]["adapter_unchanged"]
    assert deletions["arms"]["context"]["leak_rate"] <= 0.1  # the deleted documents left every prompt
    report = (out / "report.md").read_text()
    assert "## Knowledge updates" in report and "## Deletions" in report
    # what limits the run, under the verdict and in its own section; the gate and the new eval topics recorded
    assert "## What limits this comparison" in report and "*What limits this run: " in report
    assert "lost to retrieval" in report and "the reader's ceiling" in report
    assert summary["meta_info"]["corpus"]["unanswerable_topics"]["seen_in_training"] == 0
    assert "how" in summary["gate"] and "attribution_ci" in summary["arms"]["rag"]
    assert summary["arms"]["lora"]["exact_match"] > 0  # its answers carry the house style; right ones still match exactly


def test_the_whole_corpus_is_computed_once_and_its_costs_are_reported_apart(quick_run):
    out = quick_run[0]
    summary = read_json(out / "summary.json")
    context = summary["arms"]["context"]
    prefix = context["prefix"]
    assert prefix["tokens"] + context["output_tokens"] < prefix["window"] == 8192 and prefix["build_seconds"] > 0
    assert context["cached_prompt_tokens"] == prefix["tokens"] and context["prompt_tokens"] > summary["arms"]["rag"]["prompt_tokens"]
    assert context["accuracy"] > summary["arms"]["base"]["accuracy"]
    report = (out / "report.md").read_text()
    assert "## The whole corpus in the prompt" in report and "computed once in" in report and "whole corpus (context)" in report


def test_the_reader_trained_to_read_reads_better_than_the_untrained_one(quick_run):
    out = quick_run[0]
    arms = read_json(out / "summary.json")["arms"]
    assert arms["raft"]["accuracy"] > arms["rag"]["reader_accuracy"]  # the same passages, gate aside for rag
    assert arms["raft_oracle"]["accuracy"] > arms["oracle"]["accuracy"]  # the same gold documents
    assert "reader_accuracy" not in arms["raft"]  # no confidence gate: it learned to abstain
    made = arms["raft"]["train"]["raft"]
    assert made["raft_gold"] > made["raft_distractors"] > 0 and made["raft_unanswerable"] > 0
    assert (out / "raft" / "adapter" / "adapter_model.safetensors").is_file()
    report = (out / "report.md").read_text()
    assert "the tuned reader's ceiling" in report and "| hybrid (raft) |" in report

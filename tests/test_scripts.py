"""The `ragvsft` command and the scripts that wrap it: bad input ends with exit code 2, one
readable line and nothing written; a full run on tiny local models writes the whole run directory."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core.config_files import load_config
from core.rundir import read_json
from app import commands
from app.cli import COMMANDS, build_parser
from tests.conftest import REPO, SMALL_DOCS, SMALL_QUESTIONS, run_entry_point as _run, write_corpus


def test_ragvsft_help_lists_every_subcommand_and_each_shows_an_example(capsys):
    listed = subprocess.run([sys.executable, "-m", "app.cli", "--help"], capture_output=True, text=True, cwd=REPO)
    assert listed.returncode == 0
    assert set(COMMANDS) == {"run", "index", "train", "evaluate", "update", "sweep", "report", "compare", "advise", "import", "synth", "ui", "bench", "kb", "scale", "smoke"}
    for name in COMMANDS:
        assert f"    {name} " in listed.stdout
        # each subcommand's help in this process (a process each cost 6 s of imports, 90 s in all)
        with pytest.raises(SystemExit) as exited:
            build_parser().parse_args([name, "--help"])
        out = capsys.readouterr().out
        assert exited.value.code == 0 and "examples:" in out and f"  ragvsft {name} " in out.split("examples:")[1]


@pytest.fixture
def config_file(tmp_path, small_corpus_dir):
    path = tmp_path / "exp.yaml"
    path.write_text(f"corpus:\n  dir: {small_corpus_dir}\n")
    return path


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["--set", "rag.topk=3"], "unknown key rag.topk"),
        (["--set", "corpus.dir=/no/such/corpus"], "corpus directory /no/such/corpus does not exist"),
        (["--set", "model.name=/no/such/model"], "model.name: path /no/such/model does not exist"),
        (["--set", "eval.split=train", "--set", "corpus.max_documents=1", "--set", "eval.arms=[base]", "--set", "rag.embedder=./missing"], "rag.embedder: path ./missing does not exist"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, config_file, extra, expected):
    out = tmp_path / "run"
    result = _run("run_comparison.py", "--config", str(config_file), "--out", str(out), *extra)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"error: {result.stderr.strip().splitlines()[-1][7:]}"
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_broken_corpus_line_is_reported_by_file_and_line(tmp_path, config_file):
    corpus = write_corpus(tmp_path / "broken")
    with open(corpus / "questions.jsonl", "a") as fh:
        fh.write('{"id": "q9", "question": "?"}\n')
    result = _run("build_index.py", "--config", str(config_file), "--set", f"corpus.dir={corpus}", "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert "questions.jsonl line 5, field answers: Field required" in result.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("script, extra", [("evaluate.py", []), ("apply_update.py", ["--round", "r1"])])
def test_scripts_needing_an_index_say_how_to_build_one(tmp_path, config_file, small_corpus_dir, script, extra):
    round_dir = small_corpus_dir / "updates" / "r1"  # a round that exists: what is missing is the index
    round_dir.mkdir(parents=True)
    (round_dir / "documents.jsonl").write_text(json.dumps({**SMALL_DOCS[0], "text": "Staff get 28 days of leave."}) + "\n")
    (round_dir / "questions.jsonl").write_text(json.dumps({**SMALL_QUESTIONS[1], "answers": ["28"]}) + "\n")
    result = _run(script, "--config", str(config_file), "--out", str(tmp_path / "run"), *extra)
    assert result.returncode == 2 and "build one with `ragvsft index`" in result.stderr
    assert not (tmp_path / "run").exists()


def test_run_end_to_end_on_tiny_models(tmp_path, config_file, tiny_model_dirs, capsys):
    lm_dir, st_dir = tiny_model_dirs
    overrides = [f"model.name={lm_dir}", f"rag.embedder={st_dir}", "model.max_new_tokens=4", "rag.top_k=2", "eval.bootstrap_samples=100", "finetune.max_steps=2",
                 "corpus.general_knowledge=false"]  # the 3 fact questions only: the standard controls would add 371
    cfg = load_config(config_file, overrides)
    out = tmp_path / "run"
    commands.run(config=cfg, out=out)
    assert {p.name for p in out.iterdir()} >= {"config.yaml", "index", "adapter", "predictions.jsonl", "summary.json", "report.md", "report.html", "plots"}
    summary = read_json(out / "summary.json")
    assert list(summary["arms"]) == ["base", "rag", "lora", "raft", "hybrid", "oracle", "raft_oracle", "context"]
    prefix = summary["arms"]["context"]["prefix"]  # the whole corpus, computed once: its one-time cost apart
    assert prefix["tokens"] == summary["arms"]["context"]["cached_prompt_tokens"] and prefix["build_seconds"] > 0 and prefix["megabytes"] > 0
    train = summary["arms"]["lora"]["train"]
    assert train["steps"] == 2 and not train["reused"] and train["loss_curve"]
    assert {"unmerged_ms", "merged_ms"} <= set(summary["arms"]["lora"]["merge_latency"])
    assert summary["meta_info"]["model"]["name"] == str(lm_dir) and summary["meta_info"]["embedder"] == str(st_dir)
    assert summary["arms"]["rag"]["prompt_tokens"] > summary["arms"]["base"]["prompt_tokens"]
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(rows) == 8 * 3 and all(len(r["retrieved"]) == 2 for r in rows if r["arm"] in ("rag", "raft", "hybrid"))
    assert all(len(r["retrieved"]) == 3 for r in rows if r["arm"] == "context")  # every document, in every prompt
    assert summary["arms"]["raft"]["train"]["raft"]["passages"] == 2 and (out / "raft" / "adapter" / "adapter_config.json").is_file()
    assert load_config(out / "config.yaml") == cfg  # the resolved config, name included
    printed = capsys.readouterr().out
    assert "| oracle |" in printed and str(out / "report.html") in printed
    assert "| Accuracy on the corpus |" in printed and "| Set-up cost (index vs training) |" in printed  # the verdict
    assert "Fine-tuning cost" in (out / "report.md").read_text()
    assert {"load models", "index", "fine-tune", "raft fine-tune", "evaluate"} <= set(summary["run_info"]["stages"])
    assert summary["index"]["chunks"] >= 3 and summary["index"]["build_seconds"] > 0 and not summary["index"]["reused"]
    assert summary["meta_info"]["corpus"]["documents"] == 3 and len(summary["meta_info"]["corpus"]["hash"]) == 16
    commands.run(config=cfg, out=out)  # a second run reuses index and adapter
    again = read_json(out / "summary.json")
    assert again["arms"]["lora"]["train"]["reused"] and again["arms"]["raft"]["train"]["reused"] and again["index"]["reused"]
    assert again["index"]["build_seconds"] == summary["index"]["build_seconds"]  # what the reused index cost to build


def test_a_gguf_file_is_the_model_of_a_whole_run(tmp_path, config_file, tiny_model_dirs, monkeypatch):
    from core.models import _sha256_of
    from core.tiny_models import save_tiny_gguf

    monkeypatch.setenv("RAGFT_CACHE", str(tmp_path / "cache"))
    gguf_file = save_tiny_gguf(tmp_path / "tiny.gguf")
    cfg = load_config(config_file, [f"model.name={gguf_file}", f"rag.embedder={tiny_model_dirs[1]}", "model.max_new_tokens=4", "eval.bootstrap_samples=100",
                                    "finetune.max_steps=2", "corpus.general_knowledge=false", "eval.arms=[base,rag,lora]"])
    commands.run(config=cfg, out=tmp_path / "run")
    summary = read_json(tmp_path / "run" / "summary.json")
    assert summary["meta_info"]["model"] == {"name": str(gguf_file), "weights_sha256": _sha256_of([gguf_file])}
    assert summary["arms"]["lora"]["n"] == 3 and summary["arms"]["lora"]["train"]["steps"] == 2


def test_seeds_repeat_the_fine_tune_arms_and_sweeps_reuse_the_run(tmp_path, config_file, tiny_model_dirs, capsys):
    lm_dir, st_dir = tiny_model_dirs
    overrides = [f"model.name={lm_dir}", f"rag.embedder={st_dir}", "model.max_new_tokens=4", "eval.bootstrap_samples=100", "finetune.max_steps=2",
                 "corpus.general_knowledge=false"]  # the 3 fact questions only: the standard controls would add 371
    cfg = load_config(config_file, [*overrides, "run.seeds=[0, 1]"])
    out = tmp_path / "run"
    commands.run(config=cfg, out=out)
    summary = read_json(out / "summary.json")
    assert summary["seeds"]["seeds"] == [0, 1] and set(summary["seeds"]["arms"]) == {"lora", "hybrid"}
    accuracy = summary["seeds"]["arms"]["lora"]["accuracy"]
    assert accuracy["per_seed"][0] == summary["arms"]["lora"]["accuracy"] and len(accuracy["per_seed"]) == 2
    assert read_json(out / "seeds" / "seed-1" / "adapter" / "training.json")["key"] != read_json(out / "adapter" / "training.json")["key"]
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert sorted({r["arm"] for r in rows if r.get("seed") == 1}) == ["hybrid", "lora"]
    assert "## Seeds" in (out / "report.md").read_text()

    commands.sweep(config=cfg, out=out, arm="rag", key="rag.top_k", values="1,2")
    record = read_json(out / "sweeps" / "rag-rag.top_k" / "sweep.json")
    assert [p["value"] for p in record["points"]] == [1, 2]
    assert record["points"][1]["prompt_tokens"] > record["points"][0]["prompt_tokens"]  # two passages read
    assert not (out / "sweeps" / "rag-rag.top_k" / "rag.top_k=1" / "index").exists()  # the run's index served
    assert "| 2 |" in capsys.readouterr().out
    commands.sweep(config=cfg, out=out, arm="lora", key="finetune.paraphrases_per_fact", values="1")
    point = out / "sweeps" / "lora-finetune.paraphrases_per_fact" / "finetune.paraphrases_per_fact=1"
    assert (point / "adapter" / "training.json").is_file()  # other training data: a new adapter
    commands.sweep(config=cfg, out=out, arm="lora", key="rag.top_k", values="3")
    commands.sweep(config=cfg, out=out, arm="rag", key="rag.retriever", values="dense,bm25,hybrid")
    record = read_json(out / "sweeps" / "rag-rag.retriever" / "sweep.json")
    assert [p["retrieval"]["retriever"] for p in record["points"]] == ["dense", "bm25", "hybrid"]
    assert all(0 <= p["retrieval"]["recall@1"] <= p["retrieval"]["recall@3"] <= 1 for p in record["points"])
    assert (out / "sweeps" / "rag-rag.retriever" / "rag.retriever=bm25" / "index" / "bm25").is_dir()
    assert "retrieval mrr@10" in (out / "sweeps" / "rag-rag.retriever" / "sweep.md").read_text()
    assert read_json(out / "sweeps" / "lora-rag.top_k" / "rag.top_k=3" / "summary.json")["arms"]["lora"]["train"]["reused"]


def test_a_sweep_of_an_unknown_key_exits_2(tmp_path, config_file):
    result = _run("sweep.py", "--config", str(config_file), "--out", str(tmp_path / "run"), "--arm", "rag", "--key", "rag.topk", "--values", "1,2")
    assert result.returncode == 2 and "--key rag.topk: unknown config key" in result.stderr
    assert not (tmp_path / "run").exists()

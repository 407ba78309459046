"""The whole corpus in the prompt: a corpus larger than the model's window is not run and the run
says so with both token counts (no error, no truncated prompt); one that fits reports where the
gold document sat against accuracy."""

import json

from app import commands
from core.config_files import load_config
from core.rundir import read_json
from corpora.kb.build import generate_kb, write_kb
from core.config_corpora import KbConfig
from eval.report.whole_corpus import gold_positions, position_bins


def test_a_corpus_larger_than_the_window_is_not_run_and_the_report_says_so_with_both_counts(tmp_path, tiny_model_dirs):
    lm_dir, st_dir = tiny_model_dirs
    kb = generate_kb(1000, KbConfig(), 0)  # 1,000 facts on 250 pages
    write_kb(kb, tmp_path / "kb", {"generator": "test"})
    (tmp_path / "exp.yaml").write_text(f"corpus:\n  dir: {tmp_path / 'kb'}\n")
    cfg = load_config(tmp_path / "exp.yaml", [
        f"model.name={lm_dir}", f"rag.embedder={st_dir}", "model.max_new_tokens=4", "eval.bootstrap_samples=100", "finetune.max_steps=1",
        "corpus.general_knowledge=false", "corpus.max_control_questions=2", "eval.arms=[base,context]", "updates.rounds=false",
        "updates.deletions=false",
    ])
    out = tmp_path / "run"
    commands.run(config=cfg, out=out)
    summary = read_json(out / "summary.json")
    unfit = summary["not_run"]["context"]
    assert unfit["reason"] == "does not fit" and unfit["window"] == 512 and unfit["prompt_tokens"] > 512 and unfit["corpus_documents"] == len(kb.documents)
    assert list(summary["arms"]) == ["base"]
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert {r["arm"] for r in rows} == {"base"}
    report = (out / "report.md").read_text()
    assert f"`context` was not run: the whole corpus ({len(kb.documents)} documents) makes prompts of up to {unfit['prompt_tokens']:,} tokens" in report
    assert "window of 512 tokens" in report and "not decided by this evidence" in report


def test_accuracy_is_binned_by_where_the_gold_document_sat():
    rows = [
        {"arm": "context", "gold_doc_ids": [f"d{i}"], "retrieved": [{"doc_id": f"d{j}"} for j in range(5)], "correct": float(i < 2)}
        for i in range(5) for _ in range(4)
    ]
    assert sorted({p for p, _ in gold_positions(rows, "context")}) == [0.0, 0.25, 0.5, 0.75, 1.0]
    summary = {"run_info": {"config": {"eval": {"bootstrap_samples": 100}}, "seed": 0}}
    bins = position_bins(summary, rows, "context")
    assert [b["label"] for b in bins] == ["0-20%", "20-40%", "40-60%", "60-80%", "80-100%"]
    assert [b["accuracy"] for b in bins] == [1.0, 1.0, 0.0, 0.0, 0.0] and all(b["n"] == 4 for b in bins)

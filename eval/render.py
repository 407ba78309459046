"""Render a run directory's report: `report.md` (plots as files in `plots/`) and a self-contained
`report.html` with the same content, the plots embedded and a per-question explorer.

Everything comes from the run directory (summary.json, predictions.jsonl, the index's chunk
texts, sweeps/*/sweep.json), so `scripts/make_report.py --run runs/X` re-renders a finished run
in seconds and without a model.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError
from core.rundir import read_json, read_jsonl, write_text
from eval.html import render_html
from eval.plots import write_plots
from eval.report import (
    arms_table,
    behaviours_section,
    deletions_section,
    finetune_section,
    render_sweep,
    seeds_section,
    updates_section,
)
from eval.verdict import COST_FACTOR, verdict_table
from rag.index import META_FILE

ARMS_EXPLAINED = (
    "`base` is the model as shipped; `rag` reads the top-k retrieved passages; `lora` is the model fine-tuned on the "
    "corpus with no retrieval; `hybrid` is the fine-tuned model reading retrieved passages; `oracle` reads the gold "
    "document, the reader's ceiling (a miss there is a reading miss, not a retrieval miss)."
)


def main_rows(rows: list[dict]) -> list[dict]:
    """The main comparison's predictions (not the seed repeats, update rounds or deletions)."""
    return [r for r in rows if "stage" not in r]


def load_run(run_dir: Path) -> tuple[dict, list[dict]]:
    """(summary, prediction rows) of a finished run; an InputError naming what is missing otherwise."""
    run_dir = Path(run_dir)
    for name in ("summary.json", "predictions.jsonl"):
        if not (run_dir / name).is_file():
            raise InputError(f"{run_dir}: no {name} (is this a finished run directory?)")
    return read_json(run_dir / "summary.json"), read_jsonl(run_dir / "predictions.jsonl")


def load_sweeps(run_dir: Path) -> list[dict]:
    return [read_json(p) for p in sorted(Path(run_dir).glob("sweeps/*/sweep.json"))]


def chunk_texts(run_dir: Path) -> dict[str, dict]:
    """{chunk id: {title, text}} from the run's original index, for showing retrieved passages."""
    meta = Path(run_dir) / "index" / META_FILE
    if not meta.is_file():
        return {}
    return {c["id"]: {"title": c["title"], "text": c["text"]} for c in read_json(meta)["chunks"]}


def provenance_section(summary: dict) -> list[str]:
    run, meta = summary["run_info"], summary["meta_info"]
    cfg = run["config"]
    corpus = meta.get("corpus") or {}
    seeds = ", ".join(map(str, cfg["run"]["seeds"])) if cfg["run"].get("seeds") else str(run["seed"])
    stages = run.get("stages", {})
    stage_text = "; ".join(f"{name} {s:.0f} s" for name, s in stages.items())
    packages = ", ".join(f"{p} {v}" for p, v in meta.get("packages", {}).items() if v)
    model = meta["model"]
    rows = [
        ("model", f"`{model['name']}`" + (f" (weights sha256 {model['weights_sha256'][:12]})" if model.get("weights_sha256") else "")),
        ("embedder", f"`{meta['embedder']}`"),
        ("corpus", f"`{cfg['corpus']['dir']}`" + (f": {corpus['documents']} documents, {corpus['questions']} questions, hash {corpus['hash']}" if corpus else "")),
        ("config", f"`{run['name']}` (resolved in `config.yaml`): top_k {cfg['rag']['top_k']}, chunks of {cfg['rag']['chunk_size']} words, "
         f"LoRA r {cfg['finetune']['lora_r']}, {cfg['finetune']['epochs']} epochs"),
        ("seed(s)", seeds),
        ("device", f"{meta['device']}, {meta['dtype']}, {meta['threads']} threads" + (f"; {meta['platform']}" if meta.get("platform") else "")),
        ("software", f"Python {meta.get('python', '?')}; {packages}"),
        ("git", meta.get("git_hash") or "unknown"),
        ("wall time", f"{run['started']} to {run['finished']}" + (f"; {stage_text}" if stage_text else "")),
    ]
    return ["| run | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows), ""]


def compose_markdown(summary: dict, rows: list[dict], plots: dict[str, str], sweeps: list[dict]) -> str:
    def figure(name: str, alt: str) -> list[str]:
        return [f"![{alt}](plots/{plots[name]})", ""] if name in plots else []

    lines = [
        f"# RAG vs fine-tuning, measured: {summary['run_info']['name']}",
        "",
        *provenance_section(summary),
        "## Verdict",
        "",
        "Each aspect the usual comparison tables argue about, measured on this run. A rate favours a side only when "
        f"the 95% intervals do not overlap; a cost measured once favours a side only when it is at least {COST_FACTOR}x "
        "lower. " + ARMS_EXPLAINED,
        "",
        verdict_table(summary, rows),
        "",
        "## Arms",
        "",
        arms_table(summary),
        "",
        "Accuracy: an accepted answer appears in the normalized output, over the questions the documents answer. Latency "
        "is per question: each batch's wall time is shared equally by its questions, plus retrieval time. Intervals are "
        "95% bootstrap percentile intervals over questions.",
        "",
        *figure("accuracy", "Accuracy per arm with 95% intervals"),
        *figure("latency", "Latency distribution per arm"),
        *behaviours_section(summary),
        *figure("behaviours", "Style, abstention, citations and general knowledge per arm"),
        *seeds_section(summary),
        *finetune_section(summary),
        *figure("training_loss", "LoRA training loss"),
        *updates_section(summary),
        *figure("updates", "Efficacy, stale rate, locality and cumulative absorb seconds per round"),
        *deletions_section(summary),
        *figure("deletions", "Leak rate after deleting documents"),
    ]
    for record in sweeps:
        lines += ["## " + render_sweep(record).removeprefix("# "), *figure(f"sweep-{record['arm']}-{record['key']}", f"Sweep of {record['key']}")]
    return "\n".join(lines) + "\n"


def render_run(run_dir: Path) -> dict[str, Path]:
    """Write plots/, report.md and report.html for the run in `run_dir`; returns the report paths."""
    run_dir = Path(run_dir)
    summary, rows = load_run(run_dir)
    sweeps = load_sweeps(run_dir)
    main = main_rows(rows)
    plots = write_plots(run_dir / "plots", summary, main, sweeps)
    markdown = compose_markdown(summary, rows, plots, sweeps)
    write_text(run_dir / "report.md", markdown)
    html = render_html(markdown, run_dir, main, chunk_texts(run_dir), title=f"rag-vs-finetune: {summary['run_info']['name']}")
    write_text(run_dir / "report.html", html)
    return {"markdown": run_dir / "report.md", "html": run_dir / "report.html"}

"""Render a run directory's report: `report.md` (plots as files in `plots/`) and a self-contained
`report.html` with the same content, the plots embedded and a per-question explorer.

Everything comes from the run directory (summary.json, predictions.jsonl, the index's chunk
texts, sweeps/*/sweep.json), so `ragvsft report --run runs/X` re-renders a finished run in
seconds and without a model. The layout and prose live in templates/ (jinja2).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from core.rundir import write_text
from eval.catalogue import ARMS
from eval.report import tables, whole_corpus
from eval.report.format import markdown_table
from eval.report.html import render_html
from eval.report.gate_trade import gate_trade_table
from eval.report.limits import limits
from eval.report.plots import sweep_plot_name, write_plots
from eval.report.verdict import verdict_table
from eval.report.verdict_rules import COST_FACTOR
from eval.rundir import REPORT_HTML, REPORT_MD, chunk_texts, load_run, load_sweeps, main_rows

# Markdown is not HTML: nothing is escaped here; the HTML renderer escapes every text it shows.
TEMPLATES = Environment(loader=PackageLoader("eval.report", "templates"), autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)


def arms_explained(arm_names) -> str:
    return "; ".join(f"`{n}` {ARMS[n].description}" for n in arm_names if n in ARMS) + "."


def questions_origin_text(origin: dict | None) -> str:
    """"hand-written" or "synthesized by `rules`" (runs before this was recorded say unrecorded)."""
    if not origin:
        return "not recorded"
    if origin["questions"] != "synthesized":
        # as the corpus's questions_origin.json states it: the eval questions, the train split, the source
        train = f"; train split {origin['train']}" if origin.get("train") and origin["train"] != origin["questions"] else ""
        source = f" ({origin['source']})" if origin.get("source") else ""
        return f"{origin['questions']}{train}{source}"
    edited = ", then edited by hand" if origin.get("edited_after_synthesis") else ""
    return f"synthesized from the documents by `ragvsft synth`, generator `{origin['generator']}`{edited} (see the corpus's synth_report.md)"


def cpu_text(cpu: dict | None) -> str:
    """What reproduces a run bit for bit: the same CPU kind (model and the instruction set torch uses)."""
    if not cpu:
        return "not recorded (a run before the CPU kind was kept)"
    return f"{cpu['model']}, torch kernels {cpu['isa']} (same kind: same numbers bit for bit; another kind moves the fine-tuned arms by about a seed's worth)"


def provenance_table(summary: dict) -> str:
    run, meta = summary["run_info"], summary["meta_info"]
    cfg = run["config"]
    corpus = meta.get("corpus") or {}
    seeds = ", ".join(map(str, cfg["run"]["seeds"])) if cfg["run"].get("seeds") else str(run["seed"])
    stages = "; ".join(f"{name} {s:.0f} s" for name, s in run.get("stages", {}).items())
    packages = ", ".join(f"{p} {v}" for p, v in meta.get("packages", {}).items() if v)
    model = meta["model"]
    retriever = cfg["rag"].get("retriever", "dense")
    rows = [
        ("model", f"`{model['name']}`" + (f" (weights sha256 {model['weights_sha256'][:12]})" if model.get("weights_sha256") else "")),
        ("embedder", f"`{meta['embedder']}`"),
        ("corpus", f"`{cfg['corpus']['dir']}`" + (f": {corpus['documents']} documents, {corpus['questions']} questions, hash {corpus['hash']}" if corpus else "")),
        ("questions", questions_origin_text(corpus.get("origin"))),
        ("config", f"`{run['name']}` (resolved in `config.yaml`): {retriever} retriever, top_k {cfg['rag']['top_k']}, chunks of "
         f"{cfg['rag']['chunk_size']} words, LoRA r {cfg['finetune']['lora_r']}, {cfg['finetune']['epochs']} epochs"),
        ("seed(s)", seeds),
        ("device", f"{meta['device']}, {meta['dtype']}, {meta['threads']} threads" + (f"; {meta['platform']}" if meta.get("platform") else "")),
        ("CPU", cpu_text(meta.get("cpu"))),
        ("software", f"Python {meta.get('python', '?')}; {packages}"),
        ("git", meta.get("git_hash") or "unknown"),
        ("wall time", f"{run['started']} to {run['finished']}" + (f"; {stages}" if stages else "")),
    ]
    return markdown_table(["run", ""], [list(r) for r in rows])


def compose_markdown(summary: dict, rows: list[dict], plots: dict[str, str], sweeps: list[dict]) -> str:
    def figure(name: str, alt: str) -> str:
        return f"![{alt}](plots/{plots[name]})\n" if name in plots else ""

    arms = summary["arms"]
    train_arm = next((a for a, record in arms.items() if "train" in record), None)
    retrieval, updates, deletions = summary.get("retrieval"), summary.get("updates"), summary.get("deletions")
    context = {
        "name": summary["run_info"]["name"],
        "provenance": provenance_table(summary),
        "cost_factor": COST_FACTOR,
        "arms_explained": arms_explained(arms),
        "verdict": verdict_table(summary, rows),
        "arms_table": tables.arms_table(summary),
        "whole_corpus": whole_corpus.cost_sentences(summary) + whole_corpus.not_run_sentences(summary),
        "gold_position": whole_corpus.position_table(summary, main_rows(rows)),
        "retrieval": tables.retrieval_table(summary),
        "retriever": (retrieval or {}).get("retriever"),
        "retrieval_depth": (retrieval or {}).get("depth"),
        "retrieval_questions": (retrieval or {}).get("questions"),
        "top_k": summary["run_info"]["config"]["rag"]["top_k"],
        "behaviours": tables.behaviours_table(summary),
        "limits": limits(summary, rows),
        "gate": summary.get("gate"),
        "gate_trade": gate_trade_table(summary, main_rows(rows)),
        "topics": (summary["meta_info"].get("corpus") or {}).get("unanswerable_topics"),
        "controls": summary.get("controls", {}),
        "seeds": tables.seeds_table(summary),
        "seed_list": ", ".join(map(str, summary.get("seeds", {}).get("seeds", []))),
        "train": arms[train_arm]["train"] if train_arm else None,
        "train_arm": train_arm,
        "training": tables.training_table(arms) if train_arm else None,
        "raft_cost": tables.raft_cost_text(arms),
        "merge_latency": arms[train_arm].get("merge_latency", {}) if train_arm else {},
        "updates": updates,
        "rounds": [{**r, "table": tables.round_table(r)} for r in (updates or {}).get("rounds", [])],
        "retrain_shared": tables.retrain_shared(summary),
        "deletions": deletions,
        "deletions_table": tables.deletions_table(deletions) if deletions else None,
        "sweeps": [{**s, "table": tables.sweep_table(s), "plot": sweep_plot_name(s)} for s in sweeps],
        "figure": figure,
    }
    return TEMPLATES.get_template("report.md.j2").render(context)


def render_sweep(record: dict) -> str:
    """The sweep on its own (`sweep.md`)."""
    return TEMPLATES.get_template("sweep.md.j2").render(
        key=record["key"], arm=record["arm"], config=record["config"], table=tables.sweep_table(record) if record["points"] else "",
        failed=record.get("failed", []),
    )


def render_run(run_dir: Path) -> dict[str, Path]:
    """Write plots/, report.md and report.html for the run in `run_dir`; returns the report paths."""
    run_dir = Path(run_dir)
    summary, rows = load_run(run_dir)
    sweeps = load_sweeps(run_dir)
    main = main_rows(rows)
    plots = write_plots(run_dir / "plots", summary, main, sweeps)
    markdown = compose_markdown(summary, rows, plots, sweeps)
    write_text(run_dir / REPORT_MD, markdown)
    html = render_html(markdown, run_dir, main, chunk_texts(run_dir), title=f"rag-vs-finetune: {summary['run_info']['name']}")
    write_text(run_dir / REPORT_HTML, html)
    return {"markdown": run_dir / REPORT_MD, "html": run_dir / REPORT_HTML}

"""A run directory: the one place that knows its files and the main-rows rule. The stages write
runs through these; the report, run comparison, the update command and the workshop read them."""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError
from core.rundir import read_json, read_jsonl, write_json, write_jsonl
from rag.chunking import Chunk
from rag.index import CHUNKS_FILE, META_FILE, read_chunks

CONFIG_FILE = "config.yaml"  # the fully resolved config
SUMMARY_FILE = "summary.json"
PREDICTIONS_FILE = "predictions.jsonl"
REPORT_MD, REPORT_HTML = "report.md", "report.html"
INDEX_DIR = "index"
# the adapter's directory is finetune's: finetune.train.ADAPTER_DIR


def write_results(out: Path, rows: list[dict], summary: dict) -> None:
    """predictions.jsonl and summary.json: everything the report is rendered from."""
    write_jsonl(Path(out) / PREDICTIONS_FILE, rows)
    write_json(Path(out) / SUMMARY_FILE, summary)


def main_rows(rows: list[dict]) -> list[dict]:
    """The main comparison's predictions (not the seed repeats, update rounds or deletions)."""
    return [r for r in rows if "stage" not in r]


def load_run(run_dir: Path) -> tuple[dict, list[dict]]:
    """(summary, prediction rows) of a finished run; an InputError naming what is missing otherwise."""
    run_dir = Path(run_dir)
    for name in (SUMMARY_FILE, PREDICTIONS_FILE):
        if not (run_dir / name).is_file():
            raise InputError(f"{run_dir}: no {name} (is this a finished run directory? `ragvsft run` makes one)")
    summary = read_json(run_dir / SUMMARY_FILE, dict)
    if not isinstance(summary.get("arms"), dict):
        raise InputError(f"{run_dir / SUMMARY_FILE}: no `arms` table; the file is damaged or not a run's summary: re-run `ragvsft run`")
    return summary, read_jsonl(run_dir / PREDICTIONS_FILE)


def load_sweeps(run_dir: Path) -> list[dict]:
    """The run's sweeps that have at least one point with a result (a point can fail: sweep.json `failed`)."""
    sweeps = [read_json(p) for p in sorted(Path(run_dir).glob("sweeps/*/sweep.json"))]
    return [s for s in sweeps if s["points"]]


def chunk_texts(run_dir: Path) -> dict[str, dict]:
    """{chunk id: {title, text}} from the run's original index, for showing retrieved passages."""
    index_dir = Path(run_dir) / INDEX_DIR
    if (index_dir / CHUNKS_FILE).is_file():
        chunks = read_chunks(index_dir / CHUNKS_FILE).values()
    elif (index_dir / META_FILE).is_file():  # runs made before the chunk table kept the chunks in meta.json
        chunks = [Chunk(**{k: c[k] for k in ("id", "doc_id", "title", "text")}) for c in read_json(index_dir / META_FILE).get("chunks", [])]
    else:
        return {}
    return {c.id: {"title": c.title, "text": c.text} for c in chunks}

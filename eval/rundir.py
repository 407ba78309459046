"""A run directory: the one place that knows its files and the main-rows rule. The stages write
runs through these; the report, run comparison, the update command and the workshop read them."""

from __future__ import annotations

from dataclasses import MISSING, fields
from pathlib import Path

from core.errors import InputError
from core.rundir import read_json, read_jsonl, write_json, write_jsonl
from eval.schema import PredictionRow
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
    return _checked_summary(run_dir / SUMMARY_FILE), _checked_rows(run_dir / PREDICTIONS_FILE)


def recorded_gate(run_dir: Path) -> dict | None:
    """The retrieval-confidence gate a finished run used (summary.json `gate`); None before it has one."""
    path = Path(run_dir) / SUMMARY_FILE
    return _checked_summary(path).get("gate") if path.is_file() else None


NOT_A_RUN = "the file is damaged or not one a run wrote: re-run `ragvsft run`"
ROW_FIELDS = [f.name for f in fields(PredictionRow) if f.default is MISSING]  # what every prediction row has


def _checked_summary(path: Path) -> dict:
    """The summary, checked to have the parts every reader of it relies on (one line when it does not)."""
    summary = read_json(path, dict)
    for part in ("run_info", "meta_info", "arms"):
        if not isinstance(summary.get(part), dict):
            raise InputError(f"{path}: no `{part}` object; {NOT_A_RUN}")
    if not summary["arms"]:
        raise InputError(f"{path}: no arm in `arms`; {NOT_A_RUN}")
    bad = next((arm for arm, row in summary["arms"].items() if not isinstance(row, dict)), None)
    if bad is not None:
        raise InputError(f"{path}: arms.{bad} is not an object of metrics; {NOT_A_RUN}")
    return summary


def _checked_rows(path: Path) -> list[dict]:
    rows = read_jsonl(path)
    for line_no, row in enumerate(rows, start=1):
        missing = [name for name in ROW_FIELDS if name not in row]
        if missing:
            raise InputError(f"{path} row {line_no}: no field {missing[0]!r}; {NOT_A_RUN}")
    return rows


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

"""Reading a finished run directory: the one place that knows its files and the main-rows rule.
The report, run comparison and the update command read runs through these."""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError
from core.rundir import read_json, read_jsonl
from rag.index import META_FILE


def main_rows(rows: list[dict]) -> list[dict]:
    """The main comparison's predictions (not the seed repeats, update rounds or deletions)."""
    return [r for r in rows if "stage" not in r]


def load_run(run_dir: Path) -> tuple[dict, list[dict]]:
    """(summary, prediction rows) of a finished run; an InputError naming what is missing otherwise."""
    run_dir = Path(run_dir)
    for name in ("summary.json", "predictions.jsonl"):
        if not (run_dir / name).is_file():
            raise InputError(f"{run_dir}: no {name} (is this a finished run directory? `ragvsft run` makes one)")
    return read_json(run_dir / "summary.json"), read_jsonl(run_dir / "predictions.jsonl")


def load_sweeps(run_dir: Path) -> list[dict]:
    return [read_json(p) for p in sorted(Path(run_dir).glob("sweeps/*/sweep.json"))]


def chunk_texts(run_dir: Path) -> dict[str, dict]:
    """{chunk id: {title, text}} from the run's original index, for showing retrieved passages."""
    meta = Path(run_dir) / "index" / META_FILE
    if not meta.is_file():
        return {}
    return {c["id"]: {"title": c["title"], "text": c["text"]} for c in read_json(meta)["chunks"]}

"""The UI's Report tab: the finished run's verdict (its section of report.md) and its plots, read
from the run directory as `ragvsft report` wrote them."""

from __future__ import annotations

from pathlib import Path

from eval.rundir import REPORT_MD

VERDICT_HEADING = "## Verdict"


def verdict_section(run_dir: Path) -> str:
    """The verdict section of the run's report.md, up to the next section; a pointer when absent."""
    report = Path(run_dir) / REPORT_MD
    text = report.read_text(encoding="utf-8") if report.is_file() else ""
    if VERDICT_HEADING not in text:
        return f"No verdict in {report}; render it with `ragvsft report --run {run_dir}`."
    section = text.split(VERDICT_HEADING, 1)[1].split("\n## ", 1)[0]
    return VERDICT_HEADING + section + f"\n\nThe whole report: `{Path(run_dir) / 'report.html'}`."


def plots(run_dir: Path) -> list[tuple[str, str]]:
    """(path, caption) of every plot the run's report has."""
    return [(str(p), p.stem.replace("_", " ")) for p in sorted((Path(run_dir) / "plots").glob("*.png"))]

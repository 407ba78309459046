"""The end of a run in the terminal: the arms table, the verdict table and where the report is."""

from __future__ import annotations

from pathlib import Path

from eval.report.tables import arms_table
from eval.report.verdict import verdict_table


def print_summary(out: Path, summary: dict, rows: list[dict]) -> None:
    print("\nArms (rates in %, 95% intervals):\n")
    print(arms_table(summary))
    print("\nVerdict:\n")
    print(verdict_table(summary, rows))
    print_report_paths(out)


def print_report_paths(out: Path) -> None:
    print(f"\nreport: {(Path(out) / 'report.html').resolve()}")
    print(f"        {(Path(out) / 'report.md').resolve()}")

"""Compare two finished runs: per arm and metric, B - A with a 95% bootstrap interval (paired when
both answered the same questions). Prints the table and writes `comparison.md` and
`comparison.json` to `--out` (default `runs/compare/<A>-vs-<B>`).

    python scripts/compare_runs.py runs/default runs/default-gpu
    python scripts/compare_runs.py runs/quick runs/k5 --out runs/compare/top-k
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cli import run_command  # noqa: E402
from core.rundir import write_json, write_text  # noqa: E402
from eval.compare import compare_runs, render_comparison  # noqa: E402


def main(*, run_a: Path, run_b: Path, out: Path | None) -> None:
    record = compare_runs(run_a, run_b)
    out = out or Path("runs") / "compare" / f"{run_a.name}-vs-{run_b.name}"
    table = render_comparison(record)
    write_json(out / "comparison.json", record)
    write_text(out / "comparison.md", table)
    print(table)
    print(f"comparison: {(out / 'comparison.md').resolve()}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_a", type=Path, help="run directory A (the reference)")
    p.add_argument("run_b", type=Path, help="run directory B")
    p.add_argument("--out", type=Path, default=None, help="where to write comparison.md/json")
    sys.exit(run_command(main, p))

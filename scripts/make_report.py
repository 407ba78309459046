"""Re-render a finished run's report from its run directory alone (no model, seconds):
`report.md`, `plots/*.png` and the self-contained `report.html`.

    python scripts/make_report.py --run runs/default
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cli import run_command  # noqa: E402
from eval.render import render_run  # noqa: E402


def main(*, run: Path) -> None:
    paths = render_run(run)
    print(f"report: {paths['html'].resolve()}\n        {paths['markdown'].resolve()}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, type=Path, help="a finished run directory, e.g. runs/default")
    sys.exit(run_command(main, p))

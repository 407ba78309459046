"""Run one arm over a list of values of one config key and write a table of its metrics per value
(`<out>/sweeps/<arm>-<key>/sweep.md`, data in `sweep.json`, each point a run directory beside them).
`--out` is the run directory the sweep belongs to (default `runs/<config name>`): its index and
adapter are reused wherever a point's inputs match them.

    python scripts/sweep.py --config configs/default.yaml --arm rag --key rag.top_k --values 1,2,3,5,8
    python scripts/sweep.py --config configs/default.yaml --arm rag --key rag.chunk_size --values 40,80,160
    python scripts/sweep.py --config configs/quick.yaml --arm lora --key finetune.paraphrases_per_fact --values 1,2,3
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cli import parser, run_script  # noqa: E402
from core.config import ARM_NAMES, ExperimentConfig  # noqa: E402
from eval.report import render_sweep  # noqa: E402
from eval.sweep import run_sweep, sweep_dir  # noqa: E402


def main(*, config: ExperimentConfig, out: Path, arm: str, key: str, values: str) -> None:
    record = run_sweep(config, out, arm=arm, key=key, values=[v.strip() for v in values.split(",") if v.strip()])
    print(render_sweep(record))
    print(f"sweep: {(sweep_dir(out, arm, key) / 'sweep.md').resolve()}")


if __name__ == "__main__":
    p = parser(__doc__)
    p.add_argument("--arm", required=True, choices=ARM_NAMES, help="the arm to evaluate at every point")
    p.add_argument("--key", required=True, help="the config key to vary, e.g. rag.top_k")
    p.add_argument("--values", required=True, help="comma-separated values, e.g. 1,2,3,5,8")
    sys.exit(run_script(main, __doc__, arg_parser=p))

"""The GPU smoke check as a script: `ragvsft smoke` (the whole pipeline and the bench's generation on
tiny random models, pass/fail per step; no weights, no network).

    python scripts/gpu_smoke.py                 # cuda, bf16
    python scripts/gpu_smoke.py --device cpu --dtype fp32
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["smoke", *sys.argv[1:]]))

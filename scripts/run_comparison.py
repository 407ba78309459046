"""`ragvsft run` as a script, for those who run scripts/: the same arguments, the same function.

    python scripts/run_comparison.py --help
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))

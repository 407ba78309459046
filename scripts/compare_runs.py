"""`ragvsft compare` as a script, for those who run scripts/: the same arguments, the same function.

    python scripts/compare_runs.py --help
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["compare", *sys.argv[1:]]))

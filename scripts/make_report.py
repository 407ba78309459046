"""`ragvsft report` as a script, for those who run scripts/: the same arguments, the same function.

    python scripts/make_report.py --help
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["report", *sys.argv[1:]]))

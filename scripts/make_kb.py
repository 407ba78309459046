"""`ragvsft kb` as a script, for those who run scripts/: the same arguments, the same function.

    python scripts/make_kb.py --help
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["kb", *sys.argv[1:]]))

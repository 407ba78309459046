"""`ragvsft advise` as a script, for those who run scripts/: the same arguments, the same function.

    python scripts/advise.py --help
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["advise", *sys.argv[1:]]))

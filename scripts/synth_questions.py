"""`ragvsft synth` as a script, for those who run scripts/: the same arguments, the same function.

    python scripts/synth_questions.py --help
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["synth", *sys.argv[1:]]))

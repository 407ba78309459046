"""`ragvsft train` as a script, for those who run scripts/: the same arguments, the same function.

    python scripts/train_lora.py --help
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))

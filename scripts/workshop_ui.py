"""`ragvsft ui` as a script, for those who run scripts/: the same arguments, the same function.

    python scripts/workshop_ui.py --run runs/quick
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["ui", *sys.argv[1:]]))

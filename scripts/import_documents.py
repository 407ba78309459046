"""`ragvsft import` as a script, for those who run scripts/: the same arguments, the same function.

    python scripts/import_documents.py --help
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["import", *sys.argv[1:]]))

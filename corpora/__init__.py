"""Making corpora in the format core/corpus.py reads: import (a folder of files -> documents),
synth (questions, an update round, deletions and controls from documents) and kb (generated
fictional knowledge bases of any size)."""

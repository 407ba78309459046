"""The bundled corpora, installed with the package: each folder is a corpus directory
(documents.jsonl, questions.jsonl, optional updates/ and deletions/) that a config names as
`corpus.dir: bundled:<folder>` (core/bundled.py)."""

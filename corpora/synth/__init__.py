"""Questions from documents (`ragvsft synth`): facts found in the text, phrasings written by a
generator, filters every phrasing passes, an update round, deletions and controls. The pipeline
is corpora/synth/pipeline.py; each step is one small module."""

"""Shared kernel: configs, corpus, model loading, generation, prompts, the Answerer interface, run-dir I/O."""

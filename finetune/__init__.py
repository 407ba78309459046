"""LoRA fine-tuning: the training set from the corpus (with its leak guard), training, adapter loading, update strategies."""

from core.quiet import filter_library_warnings

filter_library_warnings()  # peft's deprecation notice on every adapter it wraps (core/quiet.py), for notebooks and tests too

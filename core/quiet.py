"""Quiet by default: the libraries' own chatter (deprecation notices we cannot act on, info lines
from transformers and sentence-transformers, HTTP client logs from gradio) is hidden unless the
user asks for it with `-v`, so the messages this project prints are the ones a user sees.

Warnings this project could fix are fixed at the call instead (core/prefill.py passes `cache`,
not the deprecated `past_key_values`); what is filtered here is raised inside a library.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager

# Raised inside libraries by calls we make correctly; each filter names its message.
LIBRARY_WARNINGS = [
    # peft asks transformers' deprecated `is_gradient_checkpointing` when it wraps a model
    (FutureWarning, r"`is_gradient_checkpointing` is deprecated"),
]
LIBRARY_LOGGERS = ("transformers", "sentence_transformers", "peft", "accelerate", "datasets", "httpx", "gradio", "urllib3", "faiss", "bm25s", "pypdf")


def filter_library_warnings() -> None:
    for category, message in LIBRARY_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)


@contextmanager
def library_warnings_filtered():
    """Around a library call known to raise one of LIBRARY_WARNINGS: filtered there, whatever the
    process's filters are (a notebook, a test runner, another program using this one)."""
    with warnings.catch_warnings():
        filter_library_warnings()
        yield


def configure_logging(verbosity: int = 0) -> None:
    """0: this project's INFO lines, libraries' errors only, library warnings filtered; 1 (-v): the
    libraries' warnings and INFO lines too; 2 (-vv): everything at DEBUG."""
    level = logging.DEBUG if verbosity >= 2 else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S", force=True)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(level if verbosity else logging.ERROR)
    if verbosity:
        warnings.resetwarnings()
        warnings.simplefilter("default")
    else:
        filter_library_warnings()

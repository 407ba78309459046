"""Shared fixtures: tiny randomly initialised models built in the test itself (no downloads, no
bundled weights), a hashing embedder, and a small corpus written to a temp directory."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from core import tiny_models
from core.models import LoadedLM
from core.tiny_models import save_tiny_sentence_transformer, tiny_llama  # noqa: F401 (the tests import them from here)

REPO = Path(__file__).resolve().parents[1]


def run_entry_point(script: str, *args: str) -> subprocess.CompletedProcess:
    """Run scripts/<script> as a user would, in its own process."""
    return subprocess.run([sys.executable, str(REPO / "scripts" / script), *args], capture_output=True, text=True, cwd=REPO)

WORDS = (
    "the a is of to in and what how many who where when which days weeks leave policy office manager "
    "answer question passages passage using above short sentence one annual carry over request system "
    "badge colour red blue green 1 2 3 4 5 6 7 8 9 10 alpha beta gamma delta"
).split()


def tiny_tokenizer():
    """The tests' word-level tokenizer over WORDS (core/tiny_models.py)."""
    return tiny_models.tiny_tokenizer(WORDS)


@pytest.fixture(scope="session")
def _tiny_lm_once() -> LoadedLM:
    tok = tiny_tokenizer()
    model = tiny_llama(len(tok))
    model.generation_config.eos_token_id = tok.eos_token_id
    return LoadedLM(model, tok, "tiny-llama", None, "cpu", "float32")


@pytest.fixture
def tiny_lm(_tiny_lm_once) -> LoadedLM:
    """The session's tiny model with an empty answer cache: a test that changes the weights in place
    must not see answers another test cached."""
    return replace(_tiny_lm_once)


class HashingEmbedder:
    """Bag-of-words vectors via hashing: deterministic, overlap-sensitive, no model needed."""

    def __init__(self, dim: int = 256, name: str = "hashing-256"):
        self.dim, self.name = dim, name

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def hashing_embedder() -> HashingEmbedder:
    return HashingEmbedder()


SMALL_DOCS = [
    {"id": "leave", "title": "Leave Policy", "text": "Staff get 27 days of leave. Up to 6 days carry over. Requests go to TimeLedger."},
    {"id": "badges", "title": "Badges", "text": "Visitor badges are red. Staff badges are teal. A lost badge costs 25 euros."},
    {"id": "vpn", "title": "VPN", "text": "The VPN client is Harbourline. Sessions last 9 hours."},
]
SMALL_QUESTIONS = [
    {"id": "q1", "question": "How many days of leave do staff get?", "answers": ["27"], "doc_ids": ["leave"], "split": "train", "kind": "fact", "fact_id": "f1"},
    {"id": "q2", "question": "How many leave days do staff get?", "answers": ["27"], "doc_ids": ["leave"], "split": "eval", "kind": "fact", "fact_id": "f1"},
    {"id": "q3", "question": "What colour are visitor badges?", "answers": ["red"], "doc_ids": ["badges"], "split": "eval", "kind": "fact", "fact_id": "f2"},
    {"id": "q4", "question": "What is the VPN client called?", "answers": ["Harbourline"], "doc_ids": ["vpn"], "split": "eval", "kind": "fact", "fact_id": "f3"},
]


def write_corpus(directory: Path, documents=SMALL_DOCS, questions=SMALL_QUESTIONS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "documents.jsonl").write_text("".join(json.dumps(d) + "\n" for d in documents))
    (directory / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    return directory


@pytest.fixture
def small_corpus_dir(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def tiny_model_dirs(tmp_path_factory):
    """A tiny random LM and a tiny random sentence-transformer, saved as local directories."""
    root = tmp_path_factory.mktemp("models")
    tok = tiny_tokenizer()
    tiny_llama(len(tok)).save_pretrained(root / "lm")
    tok.save_pretrained(root / "lm")
    return root / "lm", save_tiny_sentence_transformer(root / "embedder")

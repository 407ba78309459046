"""Where a corpus's questions came from: hand-written (the default), generated with a knowledge base
(`ragvsft kb` leaves kb.json), synthesized from the documents (`ragvsft synth` leaves synth.json),
or as the corpus's author states it per split (questions_origin.json). The report says so under the
verdict, and `finetune.withhold_facts: auto` withholds facts when the train split was synthesized.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.errors import InputError, parse_json, read_utf8

SYNTH_MANIFEST = "synth.json"  # written by `ragvsft synth` beside the questions it wrote (corpora/synth)
KB_MANIFEST = "kb.json"  # written by `ragvsft kb` with the knowledge base it generated (corpora/kb)
# Written by a corpus's author where the splits' questions come from different places (a bundled
# public set: human eval questions, a synthesized train split): {"questions": ..., "train": ...}.
ORIGIN_FILE = "questions_origin.json"
HAND_WRITTEN = {"questions": "hand-written"}


def questions_origin(directory: Path) -> dict:
    """Hand-written, generated with its documents (kb.json), synthesized by which generator (from
    synth.json) and whether questions.jsonl was edited after it was synthesized (its hash no longer
    the one synth recorded), or as the corpus's author states it per split (questions_origin.json)."""
    if (directory / ORIGIN_FILE).is_file():
        return _stated_origin(directory / ORIGIN_FILE)
    if (directory / KB_MANIFEST).is_file():
        return {"questions": "generated with the documents by `ragvsft kb` (a fictional knowledge base; see the corpus's kb.json)"}
    path = directory / SYNTH_MANIFEST
    if not path.is_file():
        return dict(HAND_WRITTEN)
    manifest = parse_json(path, read_utf8(path))
    try:
        generator, recorded = manifest["generator"], manifest["questions_sha256"]
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{path}: not a synth manifest (expected JSON with generator and questions_sha256)") from None
    return {"questions": "synthesized", "generator": generator, "edited_after_synthesis": questions_sha256(directory) != recorded}


def _stated_origin(path: Path) -> dict:
    origin = parse_json(path, read_utf8(path))
    if not isinstance(origin, dict) or not isinstance(origin.get("questions"), str) or \
            not all(isinstance(v, (str, bool)) for v in origin.values()):
        raise InputError(f"{path}: expected a JSON object with a `questions` text (and optionally `train`, `source`)")
    return origin


def train_questions_synthesized(origin: dict) -> bool:
    """Whether the train split was written by `ragvsft synth` (its phrasings repeat the documents' sentences)."""
    return origin.get("train", origin.get("questions")) == "synthesized"


def questions_sha256(directory: Path) -> str:
    """The hash synth records for the questions.jsonl it wrote, to tell later hand edits."""
    return hashlib.sha256((Path(directory) / "questions.jsonl").read_bytes()).hexdigest()

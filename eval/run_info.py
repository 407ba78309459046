"""`run_info` (what was asked for) and `meta_info` (what it ran on) for summary.json."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import torch

from core.config import ExperimentConfig

PACKAGES = ("torch", "transformers", "peft", "sentence-transformers", "faiss-cpu", "numpy", "rag-vs-finetune")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_info(cfg: ExperimentConfig, started: str) -> dict:
    return {"name": cfg.name, "config": cfg.model_dump(mode="json"), "seed": cfg.run.seed, "started": started, "finished": now()}


def meta_info(lm, embedder_name: str | None) -> dict:
    return {
        "git_hash": _git_hash(),
        "packages": {p: _version(p) for p in PACKAGES},
        "python": platform.python_version(),
        "model": {"name": lm.name, "weights_sha256": lm.weights_sha256},
        "embedder": embedder_name,
        "device": lm.device,
        "dtype": lm.dtype,
        "threads": torch.get_num_threads(),
        "platform": platform.platform(),
    }


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git_hash() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None

"""`run_info` (what was asked for) and `meta_info` (what it ran on) for summary.json."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import torch

from core.config import ExperimentConfig
from core.corpus import eval_fact_coverage, unanswerable_topics
from eval.schema import MetaInfo, RunInfo

PACKAGES = (
    "torch", "transformers", "peft", "datasets", "sentence-transformers", "faiss-cpu", "bm25s", "numpy", "matplotlib", "rag-vs-finetune",
)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_info(cfg: ExperimentConfig, started: str) -> RunInfo:
    return RunInfo(name=cfg.name, config=cfg.model_dump(mode="json"), seed=cfg.run.seed, started=started, finished=now())


class StageTimes:
    """Wall seconds per named stage of a run, for the report's provenance (`run_info.stages`)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def meta_info(lm, embedder_name: str | None, corpus=None) -> MetaInfo:
    return {
        "git_hash": _git_hash(),
        "corpus": None if corpus is None else {
            "documents": len(corpus.documents), "questions": len(corpus.questions), "hash": corpus.dataset_hash(),
            "origin": corpus.origin,
            "unanswerable_topics": unanswerable_topics(corpus),
            "eval_facts": eval_fact_coverage(corpus),
        },
        "packages": {p: _version(p) for p in PACKAGES},
        "python": platform.python_version(),
        "model": {"name": lm.name, "weights_sha256": lm.weights_sha256},
        "embedder": embedder_name,
        "device": lm.device,
        "dtype": lm.dtype,
        "threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "cpu": cpu_kind(),
    }


def cpu_kind() -> dict:
    """The CPU model and the instruction set torch's kernels dispatch to (AVX512, AVX2, ...): the
    same config and seed reproduce bit for bit on the same kind; fine-tuning in float32 takes another
    path on another kind and moves the fine-tuned arms by about a seed's worth."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), model)
    except OSError:
        pass  # not Linux: platform's name is what there is
    return {"model": model, "isa": torch.backends.cpu.get_cpu_capability()}


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

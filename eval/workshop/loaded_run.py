"""A finished run, loaded once for the workshop UI: its config, corpus, models, the adapter it
trained and its retrieval-confidence gate. Every browser session shares these (read only); what a
session changes lives in its own copy (eval/workshop/session.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.config import ExperimentConfig
from core.config_files import load_config
from core.corpus import Corpus
from core.errors import InputError
from core.rundir import read_json
from eval.catalogue import ARMS
from finetune.pipeline import AdapterOutcome, saved_adapter
from rag.index import META_FILE

# What a finished run leaves that the UI reads, and what each is for.
REQUIRED = {
    "summary.json": "the verdict and the gate",
    f"index/{META_FILE}": "the RAG index",
    "adapter/adapter_config.json": "the LoRA adapter",
}


def live_arms(cfg: ExperimentConfig) -> list[str]:
    """The run's arms a question can be put to live: every one but those reading gold documents,
    which only a corpus question has."""
    return [name for name in cfg.eval.arms if ARMS[name].passages != "gold"]


def check_finished(run_dir: Path) -> None:
    """An InputError naming what is missing and the command that makes it, unless `run_dir` holds a finished run."""
    missing = [f"{name} ({why})" for name, why in REQUIRED.items() if not (run_dir / name).is_file()]
    if not missing:
        return
    config = run_dir / "config.yaml"
    make = f"ragvsft run --config {config if config.is_file() else 'configs/quick.yaml'} --out {run_dir}"
    raise InputError(f"{run_dir} has no finished run (missing {', '.join(missing)}); make one with `{make}`")


@dataclass
class LoadedRun:
    run_dir: Path
    cfg: ExperimentConfig
    corpus: Corpus
    lm: object  # the base LoadedLM
    embedder: object
    tuned: object  # the LoadedLM with the run's adapter
    adapter: AdapterOutcome
    gate: float | None  # the run's retrieval-confidence threshold for the retrieving arms

    @property
    def arms(self) -> list[str]:
        return live_arms(self.cfg)


def load_run(run_dir: Path) -> LoadedRun:
    from eval.stages.run import load_base_lm, load_embedder  # the models as every command loads them
    from eval.stages.experiment import load_experiment_corpus
    from eval.stages.updates import tuned_model

    run_dir = Path(run_dir)
    check_finished(run_dir)
    cfg = load_config(run_dir / "config.yaml")
    corpus = load_experiment_corpus(cfg)
    adapter = saved_adapter(run_dir)
    if not any(ARMS[a].tuned for a in live_arms(cfg)) or not any(ARMS[a].retrieves for a in live_arms(cfg)):
        raise InputError(f"{run_dir}: the UI compares RAG with the fine-tune; the run's arms are {', '.join(cfg.eval.arms)}")
    gate = (read_json(run_dir / "summary.json").get("gate") or {}).get("threshold")
    return LoadedRun(run_dir, cfg, corpus, load_base_lm(cfg), load_embedder(cfg), tuned_model(cfg, adapter), adapter, gate)

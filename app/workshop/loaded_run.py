"""A finished run, loaded once for the workshop UI: its parts as the one assembly of a run builds
them (config, corpus, models, the index and adapter it saved, its retrieval-confidence gate).
Every browser session shares these (read only); what a session changes lives in its own copy
(app/workshop/session.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import ExperimentConfig
from core.config_files import load_config
from core.corpus import Corpus
from core.errors import InputError
from core.rundir import read_json
from eval.catalogue import ARMS, GOLD
from eval.rundir import CONFIG_FILE, INDEX_DIR, SUMMARY_FILE
from finetune.train import ADAPTER_DIR
from rag.index import META_FILE

if TYPE_CHECKING:  # the assembly loads torch and the models' libraries: not needed to check a run directory
    from eval.assembly import Assembly

# What a finished run leaves that the UI reads, and what each is for.
REQUIRED = {
    SUMMARY_FILE: "the verdict",
    f"{INDEX_DIR}/{META_FILE}": "the RAG index",
    f"{ADAPTER_DIR}/adapter_config.json": "the LoRA adapter",
}


def live_arms(cfg: ExperimentConfig) -> list[str]:
    """The run's arms a question can be put to live: every one but those reading gold documents,
    which only a corpus question has."""
    return [name for name in cfg.eval.arms if ARMS[name].passages is not GOLD]


def check_finished(run_dir: Path) -> None:
    """An InputError naming what is missing and the command that makes it, unless `run_dir` holds a finished run."""
    missing = [f"{name} ({why})" for name, why in REQUIRED.items() if not (run_dir / name).is_file()]
    if not missing:
        return
    config = run_dir / CONFIG_FILE
    make = f"ragvsft run --config {config if config.is_file() else 'configs/quick.yaml'} --out {run_dir}"
    raise InputError(f"{run_dir} has no finished run (missing {', '.join(missing)}); make one with `{make}`")


@dataclass
class LoadedRun:
    run_dir: Path
    parts: Assembly  # the run's corpus, models, index as saved, gate, adapter and tuned model (eval/assembly.py)
    not_run: frozenset[str] = frozenset()  # configured arms the run did not run (a corpus past the window)

    @property
    def cfg(self) -> ExperimentConfig:
        return self.parts.cfg

    @property
    def corpus(self) -> Corpus:
        return self.parts.corpus

    @property
    def arms(self) -> list[str]:
        return [a for a in live_arms(self.cfg) if a not in self.not_run]


def load_run(run_dir: Path) -> LoadedRun:
    from eval.assembly import assemble_saved  # models load only for the UI, not for check_finished

    run_dir = Path(run_dir)
    check_finished(run_dir)
    cfg = load_config(run_dir / CONFIG_FILE)
    if not any(ARMS[a].tuned for a in live_arms(cfg)) or not any(ARMS[a].retrieves for a in live_arms(cfg)):
        raise InputError(f"{run_dir}: the UI compares RAG with the fine-tune; the run's arms are {', '.join(cfg.eval.arms)}")
    parts = assemble_saved(cfg, run_dir, retrieval=True, tuning=True)
    parts.load_tuned()
    if parts.reader_adapter is not None:
        parts.load_reader()
    return LoadedRun(run_dir, parts, frozenset(read_json(run_dir / SUMMARY_FILE).get("not_run") or {}))

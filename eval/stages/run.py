"""A whole experiment, stage after stage: what `ragvsft run` does, and each point of `ragvsft scale`.

Index, train (or reuse), answer with every arm (the fine-tune arms once per seed in `run.seeds`),
apply the update rounds and deletions; the run directory gets everything but the report (running
never renders). `models` lets several runs in one process share the loaded language model and
embedder (and the answers the model already gave: core/generate.py).
"""

from __future__ import annotations

from pathlib import Path

from core.config import ExperimentConfig
from core.models import load_lm
from core.seeding import set_seed
from eval.stages.answerers import needs_adapter
from eval.stages.experiment import evaluate_experiment, load_experiment_corpus, write_config, write_results
from eval.stages.run_info import StageTimes, now
from eval.stages.seeds import run_seeds
from eval.stages.updates import UpdateInputs, run_updates, update_plan
from finetune.pipeline import ensure_adapter
from rag.embedding import Embedder
from rag.indexing import ensure_index, index_stats
from rag.retriever import Retriever


def load_embedder(config: ExperimentConfig) -> Embedder:
    return Embedder(config.rag.embedder, device=config.model.device, batch_size=config.rag.embed_batch_size)


def load_base_lm(config: ExperimentConfig):
    return load_lm(config.model.name, config.model.device, config.model.dtype)


def loaded_models(config: ExperimentConfig, models: dict | None = None, *, embedder: bool = True):
    """(embedder or None, language model), from `models` when an earlier run in this process loaded them."""
    models = {} if models is None else models
    lm_key = ("lm", config.model.name, config.model.device, config.model.dtype)
    embedder_key = ("embedder", config.rag.embedder, config.model.device, config.rag.embed_batch_size)
    if embedder and embedder_key not in models:
        models[embedder_key] = load_embedder(config)
    if lm_key not in models:
        models[lm_key] = load_base_lm(config)
    return models.get(embedder_key) if embedder else None, models[lm_key]


def run_experiment(config: ExperimentConfig, out: Path, models: dict | None = None) -> tuple[list[dict], dict]:
    """(prediction rows, summary), both also written to `out`."""
    started, times = now(), StageTimes()
    corpus = load_experiment_corpus(config)
    updates = config.updates.rounds or config.updates.deletions
    if updates:
        update_plan(config, corpus)  # a bad round or deletion file stops the run now, not after the evaluation
    set_seed(config.run.seed, config.run.threads)
    with times.stage("load models"):
        embedder, lm = loaded_models(config, models)
    write_config(config, out)
    with times.stage("index"):
        index, reused = ensure_index(out / "index", corpus, embedder, config.rag)
    retriever = Retriever(index, config.rag.top_k)
    adapter = None
    if updates or needs_adapter(config):
        with times.stage("fine-tune"):
            adapter = ensure_adapter(config, corpus, out, lm)
    with times.stage("evaluate"):
        rows, summary = evaluate_experiment(config, corpus, lm, retriever, embedder_name=embedder.name, started=started, adapter=adapter)
    summary["index"] = index_stats(out / "index", index, reused)
    if config.run.seeds and needs_adapter(config):
        with times.stage("seeds"):
            seed_rows, summary["seeds"] = run_seeds(config, corpus, out, lm, retriever, summary, embedder_name=embedder.name)
        rows += seed_rows
    if updates:
        with times.stage("updates and deletions"):
            gate = summary["gate"]["threshold"]
            update_rows, parts = run_updates(UpdateInputs(config, out, corpus, lm, index, adapter, rows, gate))
        rows, summary = rows + update_rows, {**summary, **parts}
    summary["run_info"].update(finished=now(), stages=times.seconds)
    write_results(out, rows, summary)
    return rows, summary

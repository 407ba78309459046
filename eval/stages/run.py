"""A whole experiment, stage after stage: what `ragvsft run` does, and each point of `ragvsft scale`.

Index, train (or reuse), answer with every arm (the fine-tune arms once per seed in `run.seeds`),
apply the update rounds and deletions; the run directory gets everything but the report (running
never renders). `models` lets several runs in one process share the loaded language model and
embedder (and the answers the model already gave: core/generate.py).
"""

from __future__ import annotations

from pathlib import Path

from core.config import ExperimentConfig
from eval.assembly import assemble, load_experiment_corpus, needs_adapter
from eval.rundir import INDEX_DIR, write_results
from eval.stages.experiment import evaluate_experiment
from eval.stages.run_info import StageTimes, now
from eval.stages.seeds import run_seeds
from eval.stages.updates import run_updates, update_plan
from rag.indexing import index_stats


def run_experiment(config: ExperimentConfig, out: Path, models: dict | None = None) -> tuple[list[dict], dict]:
    """(prediction rows, summary), both also written to `out`."""
    started, times = now(), StageTimes()
    corpus = load_experiment_corpus(config)
    updates = config.updates.rounds or config.updates.deletions
    if updates:
        update_plan(config, corpus)  # a bad round or deletion file stops the run now, not after the evaluation
    # the index always (the update stage re-indexes); the adapter when an arm or the update stage needs it
    parts = assemble(config, out, models=models, corpus=corpus, retrieval=True, tuning=bool(updates) or needs_adapter(config), times=times)
    with times.stage("evaluate"):
        rows, summary = evaluate_experiment(parts, started=started)
    summary["index"] = index_stats(Path(out) / INDEX_DIR, parts.index, parts.index_reused)
    if config.run.seeds and needs_adapter(config):
        with times.stage("seeds"):
            seed_rows, summary["seeds"] = run_seeds(parts, out, summary)
        rows += seed_rows
    if updates:
        with times.stage("updates and deletions"):
            update_rows, parts_of_summary = run_updates(parts, out, rows)
        rows, summary = rows + update_rows, {**summary, **parts_of_summary}
    summary["run_info"].update(finished=now(), stages=times.seconds)
    write_results(out, rows, summary)
    return rows, summary

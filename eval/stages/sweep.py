"""Sweeps: one arm over a list of values of one config key, each point a normal run directory,
and the arm's metrics per value in `sweep.json` (the command renders `sweep.md` and the reports).

Points run on the executor `run.executor` names (eval/stages/executor.py); a failed point is listed
under `failed` with its error. Each point reuses what it can: the models stay loaded in the
process that runs it, the index and the
adapter of the run directory the sweep belongs to are reused when a point's inputs match them
(a `rag.top_k` sweep builds no index, a `rag.*` sweep of the lora arm trains nothing), and a
point's own index or adapter is kept in its directory for the next sweep.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import ExperimentConfig
from core.config_files import with_overrides
from core.errors import InputError
from core.rundir import write_json
from eval.assembly import assemble
from eval.catalogue import ARMS, METRICS
from eval.rundir import write_results
from eval.stages.executor import Point, failures, run_points
from eval.stages.experiment import evaluate_experiment
from eval.stages.run_info import now

log = logging.getLogger(__name__)


def sweep_dir(run_dir: Path, arm: str, key: str) -> Path:
    return Path(run_dir) / "sweeps" / f"{arm}-{key}"


def run_sweep(cfg: ExperimentConfig, run_dir: Path, *, arm: str, key: str, values: list[str]) -> dict:
    """Evaluate `arm` once per value of `key` (each value parsed as YAML, like --set); returns the sweep record."""
    if not values:
        raise InputError("--values: give at least one value")
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise InputError(f"--values: {', '.join(repeated)} given more than once (each value is one point)")
    if arm not in ARMS:
        raise InputError(f"--arm {arm}: not an arm (one of {', '.join(ARMS)})")
    points_cfg = [_point_config(cfg, arm, key, v) for v in values]  # every value validated before any work
    out = sweep_dir(run_dir, arm, key)
    todo = [Point(f"{key}={value}", sweep_point, (pcfg, out / f"{key}={value}", run_dir, arm)) for value, pcfg in zip(values, points_cfg)]
    outcomes = run_points(todo, cfg)
    points = [{"value": getattr_path(pcfg, key), "dir": p.args[1].name, **o.result} for p, pcfg, o in zip(todo, points_cfg, outcomes) if not o.error]
    record = {"arm": arm, "key": key, "config": cfg.name, "points": points, "failed": failures(outcomes)}
    write_json(out / "sweep.json", record)
    return record


def _point_config(cfg: ExperimentConfig, arm: str, key: str, value: str) -> ExperimentConfig:
    # one arm, no update stage: a sweep point measures the arm on the corpus as it is
    overrides = [f"{key}={value}", f"eval.arms=[{arm}]", "updates.rounds=false", "updates.deletions=false"]
    getattr_path(cfg, key)  # an unknown key fails here, named, rather than as a new config section
    return with_overrides(cfg, overrides, where=f"--key {key} --values {value}")


def getattr_path(cfg: ExperimentConfig, key: str):
    """`rag.top_k` -> cfg.rag.top_k; an unknown key is an InputError naming it."""
    node = cfg
    for part in key.split("."):
        if not hasattr(node, part):
            raise InputError(f"--key {key}: unknown config key")
        node = getattr(node, part)
    return node.as_posix() if isinstance(node, Path) else node


def sweep_point(cfg: ExperimentConfig, out: Path, run_dir: Path, arm: str, *, models: dict) -> dict:
    """One value: its run directory written, the arm's metrics returned (an executor point)."""
    log.info("sweep point %s (%s arm)", out.name, arm)
    started = now()
    parts = assemble(cfg, out, models=models, reuse_from=Path(run_dir))
    rows, summary = evaluate_experiment(parts, started=started)
    write_results(out, rows, summary)
    return _point_metrics(summary, arm)


def _point_metrics(summary: dict, arm: str) -> dict:
    """The arm's scalar metrics at one point (the loss curve and such stay in the point's run dir)."""
    record = summary["arms"][arm]
    kept = {"n": record["n"]}
    for name, metric in METRICS.items():
        if metric.summary == "percentiles" and name in record:
            kept.update({f"{name.removesuffix('_ms')}_{p}_ms": record[name][p] for p in ("p50", "p95")})
        elif name in record:
            kept[name] = record[name]
            if metric.interval:
                kept[f"{name}_ci"] = record[f"{name}_ci"]
    if "train" in record:
        kept["train_seconds"] = record["train"]["seconds"]
    if "retrieval" in summary:
        kept["retrieval"] = summary["retrieval"]
    return kept

"""Independent points (the values of a sweep, the sizes of `ragvsft scale`) run by the executor
`run.executor` names: `local` runs them one after another in this process, `ray` runs each as a
Ray task on a local Ray instance or an existing cluster (`run.ray_address`).

A point is a module-level function (Ray ships it by reference) that writes its own run directory
and returns a small JSON-able result; it gets a `models` dict in which it may keep loaded models
for the next point in the same process (eval/assembly.py: `load_models`). A point that fails
is reported with its error and the other points' results are kept; bad input (an InputError)
still stops the whole command, as everywhere else.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tqdm.auto import tqdm

from core.errors import InputError, PointsFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Point:
    name: str  # how progress and failures name it, e.g. "rag.top_k=3"
    function: Callable  # function(*args, models=dict) -> result
    args: tuple


@dataclass(frozen=True)
class Outcome:
    name: str
    result: object = None
    error: str | None = None  # "ExceptionType: message" when the point failed


@dataclass(frozen=True)
class Resources:
    """What each point asks a Ray scheduler for."""

    cpus: float
    gpus: float


def run_local(points: list[Point], run_cfg, resources: Resources) -> list[Outcome]:
    models: dict = {}  # one process: every point shares the loaded models
    outcomes = []
    for point in tqdm(points, desc="points", unit="point"):
        try:
            outcomes.append(Outcome(point.name, point.function(*point.args, models=models)))
        except InputError:
            raise
        except Exception as exc:  # one point's failure is reported; the others still run
            outcomes.append(_failed(point, exc))
    return outcomes


def _failed(point: Point, exc: BaseException) -> Outcome:
    log.error("point %s failed", point.name, exc_info=exc)  # with its traceback, for whoever debugs it
    return Outcome(point.name, error=f"{type(exc).__name__}: {exc}")


_WORKER_MODELS: dict = {}  # in a Ray worker process: models stay loaded for its next point


def _ray_point(function: Callable, args: tuple, cwd: str):
    # relative paths the point writes (its --out) mean what they meant to the driver, wherever the
    # worker started: the same machine, or cluster nodes that mount the same directory
    if os.path.isdir(cwd):
        os.chdir(cwd)
    return function(*args, models=_WORKER_MODELS)


def run_ray(points: list[Point], run_cfg, resources: Resources) -> list[Outcome]:
    try:
        import ray
    except ImportError:
        raise InputError("run.executor: ray needs Ray installed (pip install 'rag-vs-finetune[ray]')") from None
    if not ray.is_initialized():
        # a local instance gets this machine's cores; an existing cluster brings its own
        local = run_cfg.ray_address is None
        ray.init(address=run_cfg.ray_address, num_cpus=os.cpu_count() if local else None, include_dashboard=False,
                 log_to_driver=True, configure_logging=False)
    task = ray.remote(_ray_point).options(num_cpus=resources.cpus, num_gpus=resources.gpus, max_retries=0)
    by_ref = {task.remote(p.function, p.args, os.getcwd()): p for p in points}
    outcomes: dict[str, Outcome] = {}
    pending = list(by_ref)
    with tqdm(total=len(points), desc="points (ray)", unit="point") as bar:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            point = by_ref[done[0]]
            try:
                outcomes[point.name] = Outcome(point.name, ray.get(done[0]))
            except ray.exceptions.RayError as exc:  # the task raised (its exception is the cause), or its worker died
                cause = getattr(exc, "cause", None)
                cause = cause if isinstance(cause, BaseException) else exc
                if isinstance(cause, InputError):
                    raise cause from None
                outcomes[point.name] = _failed(point, cause)
            bar.update()
    return [outcomes[p.name] for p in points]


EXECUTORS: dict[str, Callable[[list[Point], object, Resources], list[Outcome]]] = {"local": run_local, "ray": run_ray}


def run_points(points: list[Point], config) -> list[Outcome]:
    """Every point's outcome, in the order given, by the executor `config.run` names."""
    run_cfg = config.run
    cpus = run_cfg.point_cpus or run_cfg.threads or 1
    gpus = run_cfg.point_gpus if run_cfg.point_gpus is not None else float(config.model.device.startswith("cuda"))
    return EXECUTORS[run_cfg.executor](points, run_cfg, Resources(cpus, gpus))


def failures(outcomes: list[Outcome]) -> list[dict]:
    return [{"point": o.name, "error": o.error} for o in outcomes if o.error]


def raise_if_failed(failed: list[dict], written: Path) -> None:
    """After the other points' results are written: the failures, one line each, as PointsFailed."""
    if failed:
        lines = "".join(f"\n  {f['point']}: {f['error']}" for f in failed)
        raise PointsFailed(f"{len(failed)} point(s) failed (the others are in {written}):{lines}")

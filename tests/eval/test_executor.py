"""The executors: a failed point is reported and the others kept; a sweep and a scale run on a local
Ray instance (2 CPUs) give the numbers the local executor gives (timings aside)."""

import pytest

from core.config_files import load_config, with_overrides
from core.rundir import read_json
from app import commands
from eval.stages.executor import Point, run_points
from eval.stages.scale import scale_point
from tests.conftest import write_corpus


TIMED = ("index_mb",)  # the index directory's size includes meta.json, which records the build seconds


def _without_timings(value):
    """The record with every wall-time figure removed (those differ run to run by nature)."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items()
                if not ("seconds" in k or k.endswith("_ms") or k == "ms_per_query" or k in TIMED)}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


@pytest.fixture
def tiny_config(tmp_path, tiny_model_dirs):
    lm_dir, st_dir = tiny_model_dirs
    path = tmp_path / "exp.yaml"
    path.write_text(f"corpus:\n  dir: {write_corpus(tmp_path / 'corpus')}\n")
    # one thread per point in both executors: the same arithmetic, so the same numbers
    return load_config(path, [f"model.name={lm_dir}", f"rag.embedder={st_dir}", "model.max_new_tokens=4", "eval.bootstrap_samples=100",
                              "finetune.max_steps=2", "corpus.general_knowledge=false", "run.threads=1", "scale.sizes=[10,20]",
                              "kb.eval_phrasings=1", "eval.arms=[base,rag,lora]", "updates.rounds=true", "updates.strategies=[delta]"])


@pytest.mark.parametrize("executor", ["local", "ray"])
def test_a_failed_point_is_reported_with_its_error_and_the_others_are_kept(tmp_path, tiny_config, executor, ray_instance):
    config = with_overrides(tiny_config, [f"run.executor={executor}"])
    points = [Point("ten facts", scale_point, (config, "ten", tmp_path)), Point("10 facts", scale_point, (config, 10, tmp_path))]
    bad, good = run_points(points, config)
    assert bad.error.startswith("TypeError") and bad.result is None
    assert good.error is None and good.result["facts"] == 10 and (tmp_path / "facts-10" / "summary.json").is_file()


@pytest.fixture(scope="module")
def ray_instance():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, configure_logging=False)
    yield
    ray.shutdown()


def test_a_sweep_on_ray_gives_the_local_sweep_json(tmp_path, tiny_config, ray_instance, capfd):
    records = {}
    for executor in ("local", "ray"):
        out = tmp_path / executor
        commands.sweep(config=with_overrides(tiny_config, [f"run.executor={executor}"]), out=out, arm="rag", key="rag.top_k", values="1,2,3")
        records[executor] = read_json(out / "sweeps" / "rag-rag.top_k" / "sweep.json")
        assert ("points (ray)" in capfd.readouterr().err) == (executor == "ray")
    assert [p["value"] for p in records["ray"]["points"]] == [1, 2, 3] and records["ray"]["failed"] == []
    assert _without_timings(records["ray"]) == _without_timings(records["local"])
    assert (tmp_path / "ray" / "sweeps" / "rag-rag.top_k" / "rag.top_k=2" / "report.html").is_file()


def test_scale_on_ray_gives_the_local_rows(tmp_path, tiny_config, ray_instance):
    rows = {}
    for executor in ("local", "ray"):
        commands.scale(config=with_overrides(tiny_config, [f"run.executor={executor}"]), out=tmp_path / executor)
        rows[executor] = read_json(tmp_path / executor / "scale.json")["rows"]
    assert [r["facts"] for r in rows["ray"]] == [10, 20]
    assert _without_timings(rows["ray"]) == _without_timings(rows["local"])

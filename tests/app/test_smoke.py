"""`ragvsft smoke` runs every stage on tiny random models and says PASS or FAIL per step; a failing
step fails the command (exit 1) and the steps after it are skipped, not hidden."""

from __future__ import annotations

import pytest

from app import smoke
from app.cli import main


def test_every_step_passes_on_cpu(tmp_path, capsys):
    assert main(["smoke", "--device", "cpu", "--dtype", "fp32", "--workdir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for step in ("tiny models and corpus", "index and train (LoRA)", "evaluate every arm", "update round and deletions", "report", "bench: generation"):
        assert f"PASS  {step}" in printed
    assert "smoke: 6 of 6 steps passed" in printed
    assert (tmp_path / "run" / "report.html").is_file() and (tmp_path / "run" / "updates").is_dir()


def test_a_failing_step_fails_the_command_and_skips_the_rest(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no kernel for this device")

    monkeypatch.setattr("eval.stages.experiment.evaluate_experiment", broken)
    assert main(["smoke", "--device", "cpu", "--dtype", "fp32", "--workdir", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert "FAIL  evaluate every arm: RuntimeError: no kernel for this device" in printed
    assert "SKIP  report (after evaluate every arm failed)" in printed and "smoke: 2 of 6 steps passed (1 failed, 3 skipped)" in printed


def test_cuda_without_a_gpu_is_one_line(capsys):
    if smoke.torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert main(["smoke", "--device", "cuda"]) == 2
    assert "torch sees no CUDA device" in capsys.readouterr().err

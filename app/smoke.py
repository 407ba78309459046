"""`ragvsft smoke`: the whole pipeline on tiny random models, step by step, pass or fail per step.

Made for a bare GPU machine (`--device cuda`, bf16): it needs the project and its Python wheels
only, no bundled model weights and no network. It writes a generated 16-fact knowledge base with an
update round and deletions, a tiny Llama whose vocabulary is that corpus's words and a tiny
sentence-transformer into a temp directory, then runs index -> train -> evaluate -> update round
and deletions -> report, and the bench's generation part. The numbers mean nothing (random
weights); that every stage runs on the device is what it checks. CI runs it on `--device cpu`.
"""

from __future__ import annotations

import re
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable

import torch

from core.config import ExperimentConfig
from core.config_files import with_overrides
from core.errors import InputError
from core.tiny_models import save_tiny_lm, save_tiny_sentence_transformer
from corpora.kb.build import generate_kb, write_kb


def _words(corpus_dir: Path) -> list[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in corpus_dir.rglob("*.jsonl"))
    return sorted({w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)})


class Steps:
    """Runs named steps in order, printing PASS/FAIL with seconds; after a failure the rest are skipped."""

    def __init__(self, say: Callable[[str], None]):
        self.say, self.failed, self.results = say, None, []

    def run(self, name: str, step: Callable[[], object]):
        if self.failed:
            self.say(f"SKIP  {name} (after {self.failed} failed)")
            self.results.append((name, "skip"))
            return None
        start = time.perf_counter()
        try:
            value = step()
        except Exception as exc:  # a smoke check reports every failure and stops, it does not hide one
            self.failed = name
            self.say(f"FAIL  {name}: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}")
            self.results.append((name, "fail"))
            return None
        self.say(f"PASS  {name} ({time.perf_counter() - start:.1f} s)")
        self.results.append((name, "pass"))
        return value


def smoke_config(root: Path, embedder: Path, device: str, dtype: str) -> ExperimentConfig:
    corpus = root / "corpus"
    return with_overrides(ExperimentConfig(), [
        f"name=smoke-{device.replace(':', '')}", f"corpus.dir={corpus}", "corpus.general_knowledge=false",
        f"model.name={root / 'lm'}", f"model.device={device}", f"model.dtype={dtype}", "model.max_new_tokens=4",
        f"rag.embedder={embedder}", "rag.retriever=dense", "rag.chunk_size=40", "rag.chunk_overlap=0",
        "finetune.max_steps=2", "finetune.batch_size=4", "eval.bootstrap_samples=100",
        "updates.rounds=true", "updates.deletions=true", "updates.locality_questions=4", "updates.replay_facts=2",
    ], where="smoke")


def run_smoke(device: str, dtype: str, workdir: Path | None = None, say: Callable[[str], None] = print) -> bool:
    """True when every step passed."""
    from eval.assembly import assemble
    from eval.bench.generation import bench_generation, matmul_gflops, rag_prompts
    from eval.report.render import render_run
    from eval.rundir import write_results
    from eval.stages.experiment import evaluate_experiment
    from eval.stages.run_info import now
    from eval.stages.updates import run_updates

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"--device {device}: torch sees no CUDA device (torch {torch.__version__}, built for CUDA {torch.version.cuda})")
    root = Path(workdir or tempfile.mkdtemp(prefix="ragvsft-smoke-"))
    out = root / "run"
    say(f"smoke on {device} ({dtype}), torch {torch.__version__}"
        + (f", {torch.cuda.get_device_name(0)}" if device.startswith("cuda") else "") + f"; files in {root}")
    steps = Steps(say)
    state: dict = {}

    def models() -> None:
        settings = ExperimentConfig().kb
        write_kb(generate_kb(16, settings, 0), root / "corpus", {"generator": "ragvsft smoke"})
        words = _words(root / "corpus")
        save_tiny_lm(root / "lm", words)
        embedder = save_tiny_sentence_transformer(root / "embedder", words=words)
        state["cfg"] = smoke_config(root, embedder, device, dtype)

    def index_and_train() -> None:
        cfg = state["cfg"]
        state["parts"] = assemble(cfg, out, retrieval=True, tuning=True)
        if state["parts"].lm.device != device and not state["parts"].lm.device.startswith(device):
            raise RuntimeError(f"the model is on {state['parts'].lm.device}, not {device}")

    def evaluate() -> None:
        state["rows"], state["summary"] = evaluate_experiment(state["parts"], started=now())

    def updates() -> None:
        rows, parts = run_updates(state["parts"], out, state["rows"])
        if not parts.get("updates", {}).get("rounds") or "deletions" not in parts:
            raise RuntimeError("the update round or the deletions did not run")
        state["summary"].update(parts)
        write_results(out, state["rows"] + rows, state["summary"])

    def report() -> None:
        paths = render_run(out)
        if "Verdict" not in paths["markdown"].read_text(encoding="utf-8"):
            raise RuntimeError("the report has no verdict section")

    def bench() -> None:
        parts = state["parts"]
        prompts = rag_prompts(parts, 8)
        record = bench_generation(parts.lm, prompts, batch_size=4, max_new_tokens=4, naive_questions=2,
                                  gflops=matmul_gflops(next(parts.lm.model.parameters()).dtype, device=parts.lm.device))
        say(f"      generation: {record['project_s_per_question'] * 1000:.1f} ms/question (naive loop {record['naive_s_per_question'] * 1000:.1f})")

    steps.run("tiny models and corpus", models)
    steps.run("index and train (LoRA)", index_and_train)
    steps.run("evaluate every arm", evaluate)
    steps.run("update round and deletions", updates)
    steps.run("report", report)
    steps.run("bench: generation", bench)
    counts = {kind: sum(1 for _, r in steps.results if r == kind) for kind in ("pass", "fail", "skip")}
    say(f"smoke: {counts['pass']} of {len(steps.results)} steps passed" + (f" ({counts['fail']} failed, {counts['skip']} skipped)" if counts["fail"] else ""))
    return counts["pass"] == len(steps.results)

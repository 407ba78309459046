"""A finished run directory written from a few numbers per arm (no model, no corpus): the prediction
rows are made so that an arm is right on the first share of each question set, and summary.json is
summarised from them by the harness's own code, so a flip of one number here flips the measured row
the advice reads, with paired differences as real as a run's."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.config import ExperimentConfig
from eval.rundir import write_results
from eval.schema import tagged
from eval.scoring import metrics
from eval.stages.experiment import summarize

N = 40  # questions per set: enough for a 50-point difference to be called, few enough to be quick
META = {
    "git_hash": "fa4e000", "model": {"name": "fake-lm"}, "embedder": "hashing", "device": "cpu", "dtype": "float32",
    "threads": 1, "packages": {}, "python": "3.11", "cpu": {"model": "test CPU", "isa": "AVX2"},
    "corpus": {"documents": 2, "questions": 4 * N, "hash": "0" * 16, "origin": {"questions": "hand-written"}},
}
RETRIEVING = {"rag", "raft", "hybrid"}


@dataclass
class Arm:
    """What one arm measures, as shares of each question set (and its costs)."""

    documents: float = 0.5  # right on the facts met only in documents
    trained: float = 0.5  # right on the facts trained as questions
    style: float = 0.0
    attributed: float = 0.0
    abstain: float = 0.0  # on the unanswerable questions
    general: float = 0.5  # of the world-knowledge controls the base model answers
    latency_ms: float = 200.0
    prompt_tokens: int = 100
    efficacy: float | None = 0.5  # on the changed facts (None: not in the update rounds)
    absorb_seconds: float | None = 1.0  # per update round (None: not measured)
    leak: float | None = 0.0  # after the deletion (None: not in the deletions)
    forget_seconds: float = 0.01


@dataclass
class Spec:
    arms: dict[str, Arm] = field(default_factory=lambda: {
        "rag": Arm(), "lora": Arm(), "raft": Arm(), "hybrid": Arm(absorb_seconds=None, leak=None),
    })
    kind: str = "hand-written"
    updates: bool = True
    deletions: bool = True
    index_seconds: float = 1.0
    train_seconds: float = 100.0  # the closed-book adapter
    reader_seconds: float = 200.0  # the RAFT adapter
    not_run: dict = field(default_factory=dict)  # arms configured but not run, as summary.json records them


def _row(arm: str, qid: str, kind: str, right: bool, *, a: Arm | None = None, trained: float | None = None, **extra) -> dict:
    a = a or Arm()
    retrieved = [{"doc_id": "d1", "chunk_id": "d1#0", "score": 1.0}] if arm in RETRIEVING else []
    return {
        "arm": arm, "question_id": qid, "fact_id": qid, "kind": kind, "question": f"question {qid}?", "answer": "an answer",
        "gold_answers": ["x"], "gold_doc_ids": ["d1"], "correct": float(right), "exact_match": float(right), "f1": float(right),
        "retrieved": retrieved, "cited_doc_ids": [], "abstained": 0.0, "style_ok": 0.0, "citation_correct": 0.0,
        "retrieve_ms": 0.0, "generate_ms": a.latency_ms, "latency_ms": a.latency_ms, "prompt_tokens": a.prompt_tokens,
        "output_tokens": 10, "attributed": 0.0, "gated": None, "reader_abstained": None, "reader_correct": None,
        "reader_answer": None, "fact_trained": trained, **extra,
    }


def _first(share: float, i: int) -> bool:
    return i < round(share * N)


def _main_rows(spec: Spec) -> list[dict]:
    rows = [_row("base", f"g{i}", "general", True) for i in range(N)]
    rows += [_row("base", f"{g}{i}", "fact", False, trained=t) for g, t in (("d", 0.0), ("t", 1.0)) for i in range(N)]
    for name, a in spec.arms.items():
        for group, trained, share in (("d", 0.0, a.documents), ("t", 1.0, a.trained)):
            rows += [_row(name, f"{group}{i}", "fact", _first(share, i), a=a, trained=trained,
                          style_ok=float(_first(a.style, i)), attributed=float(_first(a.attributed, i))) for i in range(N)]
        rows += [_row(name, f"u{i}", "unanswerable", False, a=a, abstained=float(_first(a.abstain, i))) for i in range(N)]
        rows += [_row(name, f"g{i}", "general", _first(a.general, i), a=a) for i in range(N)]
    return rows


def _rates(**scores) -> dict:
    out = {}
    for name, values in scores.items():
        out.update(metrics.rate(name, values, samples=200, seed=0))
    return out


def _stage_arm(name: str) -> str:
    return {"lora": "lora_delta"}.get(name, name)


def _update(spec: Spec) -> tuple[list[dict], dict]:
    rows, arms = [], {}
    for name, a in spec.arms.items():
        if a.efficacy is None:
            continue
        right = [_first(a.efficacy, i) for i in range(N)]
        rows += tagged([_row(_stage_arm(name), f"t{i}", "fact", right[i], a=a, trained=1.0) for i in range(N)],
                       stage="update", round="r1", probe="changed", old_answers=["old"], stale=0.0)
        arms[_stage_arm(name)] = {**_rates(efficacy=[float(r) for r in right], stale_rate=[0.0] * N),
                                  **({"absorb_seconds": a.absorb_seconds} if a.absorb_seconds is not None else {})}
    return rows, {"locality_questions": 0, "full_rounds": [], "rounds": [{"name": "r1", "changed_facts": N, "changed_questions": N, "arms": arms}]}


def _deletion(spec: Spec) -> tuple[list[dict], dict]:
    rows, arms = [], {}
    for name, a in spec.arms.items():
        if a.leak is None:
            continue
        stage_arm = {"lora": "lora_full"}.get(name, name)
        leaked = [_first(a.leak, i) for i in range(N)]
        rows += tagged([_row(stage_arm, f"t{i}", "fact", leaked[i], a=a, trained=1.0) for i in range(N)],
                       stage="deletion", round=None, probe="deleted", old_answers=[], stale=0.0)
        arms[stage_arm] = {"absorb_seconds": a.forget_seconds, **_rates(leak_rate=[float(x) for x in leaked])}
    return rows, {"documents": ["d1"], "questions": N, "arms": arms}


def write_fake_run(directory: Path, spec: Spec | None = None) -> Path:
    spec = spec or Spec()
    cfg = ExperimentConfig(name=Path(directory).name, eval={"arms": ["base", *spec.arms], "bootstrap_samples": 200})
    rows = _main_rows(spec)
    meta = {**META, "corpus": {**META["corpus"], "origin": {"questions": spec.kind}}}
    summary = dict(summarize(cfg, rows, started="2026-01-01T00:00:00+00:00", meta=meta))
    summary["index"] = {"retriever": "dense", "chunks": 2, "build_seconds": spec.index_seconds, "size_mb": 0.1, "reused": False}
    if "lora" in summary["arms"]:
        summary["arms"]["lora"]["train"] = {"seconds": spec.train_seconds, "tokens": 1000, "adapter_mb": 1.0, "peak_rss_mb": 100.0}
    if "raft" in summary["arms"]:
        summary["arms"]["raft"]["train"] = {"seconds": spec.reader_seconds, "tokens": 1000, "adapter_mb": 1.0, "peak_rss_mb": 100.0}
    if spec.not_run:
        summary["not_run"] = spec.not_run
    if spec.updates:
        update_rows, summary["updates"] = _update(spec)
        rows += update_rows
    if spec.deletions:
        deletion_rows, summary["deletions"] = _deletion(spec)
        rows += deletion_rows
    write_results(Path(directory), rows, summary)
    return Path(directory)

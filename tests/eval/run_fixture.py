"""A complete run directory made with the fake answerer (no model): main arms, an index with a
planted `<script>` in a document, training facts, one update round, deletions and a sweep. The
report, the verdict and run comparison are tested on it."""

from __future__ import annotations

from pathlib import Path

from core.config import ExperimentConfig
from core.corpus import load_corpus
from core.rundir import write_json
from eval.report.render import render_run
from eval.schema import tagged
from eval.scoring import metrics
from eval.scoring.harness import run_arm
from eval.rundir import write_results
from eval.stages.experiment import summarize
from rag.indexing import ensure_index, index_stats
from tests.conftest import SMALL_DOCS, SMALL_QUESTIONS, HashingEmbedder, write_corpus
from tests.eval.fakes import FakeAnswerer

PLANTED = "<script>alert('pwned')</script>"
DOCS = [*SMALL_DOCS, {"id": "evil", "title": "Evil", "text": f"The mascot is Mallow. {PLANTED}"}]
QUESTIONS = [
    *SMALL_QUESTIONS,
    {"id": "q5", "question": "What is the mascot?", "answers": ["Mallow"], "doc_ids": ["evil"], "split": "eval", "kind": "fact", "fact_id": "f4"},
]
RIGHT = {"q2": "27", "q3": "red", "q4": "Harbourline", "q5": "Mallow"}
META = {
    "git_hash": "abc123", "model": {"name": "fake-lm", "weights_sha256": "f" * 64}, "embedder": "hashing-256",
    "device": "cpu", "dtype": "float32", "threads": 1, "packages": {"torch": "2.13.0"}, "python": "3.11",
    "corpus": {"documents": 4, "questions": 5, "hash": "0123456789abcdef", "origin": {"questions": "synthesized", "generator": "rules", "edited_after_synthesis": False}},
}


def _rates(**scores) -> dict:
    out = {}
    for name, values in scores.items():
        out.update(metrics.rate(name, values, samples=200, seed=0))
    return out


def make_run(directory: Path, *, rag_right: tuple[str, ...] = ("q2", "q3"), lora_right: tuple[str, ...] = ("q2",)) -> Path:
    corpus_dir = write_corpus(directory.parent / f"{directory.name}-corpus", DOCS, QUESTIONS)
    corpus = load_corpus(corpus_dir)
    cfg = ExperimentConfig(name="fixture", corpus={"dir": str(corpus_dir)}, eval={"arms": ["base", "rag", "lora", "hybrid", "oracle"]})
    questions = corpus.split("eval")
    index, reused = ensure_index(directory / "index", corpus, HashingEmbedder(), cfg.rag)

    def fake(right: tuple[str, ...], doc: str | None = None) -> FakeAnswerer:
        return FakeAnswerer({q: RIGHT[q] for q in right}, doc)

    rows = run_arm("base", fake(()), questions, corpus) + run_arm("rag", fake(rag_right, "evil"), questions, corpus)
    rows += run_arm("lora", fake(lora_right), questions, corpus) + run_arm("hybrid", fake(("q2", "q3", "q4"), "evil"), questions, corpus)
    rows += run_arm("oracle", fake(tuple(RIGHT)), questions, corpus)
    summary = summarize(cfg, rows, started="2026-01-01T00:00:00+00:00", meta=META)
    summary["index"] = index_stats(directory / "index", index, reused)
    summary["arms"]["lora"]["train"] = {
        "seconds": 120.0, "tokens": 5000, "adapter_mb": 3.5, "peak_rss_mb": 900.0, "examples": 10, "steps": 8,
        "tokens_per_s": 41.7, "final_loss": 0.3, "trainable_params": 1000, "reused": False,
        "loss_curve": [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0}, {"step": 2, "eval_loss": 1.5}],
    }
    summary["arms"]["lora"]["merge_latency"] = {"questions": 4, "unmerged_ms": 12.0, "merged_ms": 10.0}
    summary["run_info"]["stages"] = {"index": 0.5, "fine-tune": 120.0, "evaluate": 3.0}

    # one update round: rag takes the new value on both changed questions, lora_delta on one
    update_rows = []
    for arm, right in (("rag", 2), ("hybrid", 0), ("lora_delta", 1)):
        for i, qid in enumerate(("q2", "q3")):
            row = {**next(r for r in rows if r["arm"] == "rag" and r["question_id"] == qid), "arm": arm, "correct": float(i < right)}
            update_rows += tagged([row], stage="update", round="r1", probe="changed", old_answers=["old"], stale=float(i >= right))
    summary["updates"] = {"locality_questions": 0, "full_rounds": [], "rounds": [{
        "name": "r1", "changed_facts": 2, "changed_questions": 2, "arms": {
            "rag": {"absorb_seconds": 0.2, **_rates(efficacy=[1.0, 1.0], stale_rate=[0.0, 0.0])},
            "hybrid": _rates(efficacy=[0.0, 0.0], stale_rate=[1.0, 1.0]),
            "lora_delta": {"absorb_seconds": 30.0, **_rates(efficacy=[1.0, 0.0], stale_rate=[0.0, 1.0])},
        },
    }]}
    # the deletion: neither rag nor the retrained adapter still gives the deleted value
    for arm in ("rag", "lora_full"):
        row = {**next(r for r in rows if r["arm"] == "rag" and r["question_id"] == "q2"), "arm": arm, "correct": 0.0}
        update_rows += tagged([row], stage="deletion", round=None, probe="deleted", old_answers=[], stale=0.0)
    summary["deletions"] = {"documents": ["evil"], "questions": 1, "arms": {
        "rag": {"absorb_seconds": 0.01, **_rates(leak_rate=[0.0])},
        "lora_full": {"absorb_seconds": 100.0, **_rates(leak_rate=[0.0]), "same_retrain_as_last_round": False},
    }}
    sweep = {"arm": "rag", "key": "rag.top_k", "config": "fixture", "points": [
        {"value": k, "dir": f"rag.top_k={k}", "latency_p50_ms": 10.0 * k, "prompt_tokens": 100.0 * k,
         **_rates(accuracy=[1.0, float(k < 3)], recall_at_k=[1.0, 1.0])} for k in (1, 3)
    ]}
    write_json(directory / "sweeps" / "rag-rag.top_k" / "sweep.json", sweep)
    write_results(directory, rows + update_rows, summary)
    render_run(directory)
    return directory

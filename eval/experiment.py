"""The evaluation stage: run the configured arms over the question split and write the run dir
(`predictions.jsonl`, `summary.json`, `report.md`). Scripts call these; so can a notebook."""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import ExperimentConfig, to_yaml
from core.corpus import Corpus, load_corpus
from core.errors import InputError
from core.rundir import write_json, write_jsonl, write_text
from eval.arms import RETRIEVING_ARMS, build_answerers
from eval.harness import run_arm, summarize_arm
from eval.report import render_markdown
from eval.run_info import meta_info, run_info

log = logging.getLogger(__name__)


def load_experiment_corpus(cfg: ExperimentConfig) -> Corpus:
    """The corpus (or its configured subset), checked to have questions in the evaluated split."""
    corpus = load_corpus(cfg.corpus.dir, cfg.corpus.max_documents)
    if not corpus.split(cfg.eval.split):
        raise InputError(f"{cfg.corpus.dir}: no questions in split {cfg.eval.split!r} for the selected documents")
    return corpus


def write_config(cfg: ExperimentConfig, out: Path) -> None:
    write_text(Path(out) / "config.yaml", to_yaml(cfg))


def evaluate_arms(cfg: ExperimentConfig, corpus: Corpus, lm, retriever) -> list[dict]:
    questions = corpus.split(cfg.eval.split)
    rows = []
    for arm, answerer in build_answerers(cfg, lm, corpus, retriever).items():
        log.info("arm %s: answering %d questions", arm, len(questions))
        rows.extend(run_arm(arm, answerer, questions))
    return rows


def summarize(cfg: ExperimentConfig, rows: list[dict], *, started: str, meta: dict) -> dict:
    arms = {
        arm: summarize_arm(
            [r for r in rows if r["arm"] == arm],
            retrieves=arm in RETRIEVING_ARMS,
            bootstrap_samples=cfg.eval.bootstrap_samples,
            seed=cfg.run.seed,
        )
        for arm in cfg.eval.arms
    }
    return {"run_info": run_info(cfg, started), "meta_info": meta, "arms": arms}


def write_results(out: Path, rows: list[dict], summary: dict) -> None:
    out = Path(out)
    write_jsonl(out / "predictions.jsonl", rows)
    write_json(out / "summary.json", summary)
    write_text(out / "report.md", render_markdown(summary))


def evaluate_and_write(cfg: ExperimentConfig, out: Path, corpus: Corpus, lm, retriever, *, embedder_name, started: str) -> dict:
    rows = evaluate_arms(cfg, corpus, lm, retriever)
    summary = summarize(cfg, rows, started=started, meta=meta_info(lm, embedder_name))
    write_results(out, rows, summary)
    return summary

"""The evaluation stage: run the configured arms over the question split and write the run dir
(`predictions.jsonl`, `summary.json`). The command calls these, then renders the report from the
files; so can a notebook."""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import ExperimentConfig
from core.config_files import to_yaml
from core.corpus import GENERAL, UNANSWERABLE, Corpus, load_corpus, unanswerable_topics
from core.errors import InputError
from core.rundir import write_json, write_jsonl, write_text
from eval.catalogue import ARMS, FINETUNE, reference_arm, side_arm
from eval.schema import Summary
from eval.scoring.harness import general_knowledge_kept, run_arm, summarize_arm
from eval.scoring.retrieval import retrieval_quality
from eval.stages.answerers import answerer, build_answerers
from eval.stages.gate import resolve_gate
from eval.stages.run_info import meta_info, run_info

log = logging.getLogger(__name__)


def load_experiment_corpus(cfg: ExperimentConfig) -> Corpus:
    """The corpus (or its configured subset) with the standard general-knowledge controls, checked to
    have questions in the evaluated split; says when unanswerable eval topics were also trained on."""
    corpus = load_corpus(
        cfg.corpus.dir, cfg.corpus.max_documents, cfg.corpus.max_control_questions, general_knowledge=cfg.corpus.general_knowledge
    )
    if not corpus.split(cfg.eval.split):
        raise InputError(f"{cfg.corpus.dir}: no questions in split {cfg.eval.split!r} for the selected documents")
    topics = unanswerable_topics(corpus)
    if topics["seen_in_training"]:
        log.warning(
            "%d of %d unanswerable eval topics also have train questions: abstaining on them measures memory, not abstention",
            topics["seen_in_training"], topics["eval_topics"],
        )
    return corpus


def write_config(cfg: ExperimentConfig, out: Path) -> None:
    write_text(Path(out) / "config.yaml", to_yaml(cfg))


def tuned_lm_for_eval(cfg: ExperimentConfig, adapter_dir: Path, corpus: Corpus) -> tuple[object, dict]:
    """The fine-tuned model the lora/hybrid arms use, and the unmerged-vs-merged latency on one batch.

    An unmerged LoRA adds work to every forward pass; measuring both on the same questions makes
    that cost visible even though the arms run merged by default (finetune.merge_for_inference).
    """
    from finetune.adapter import load_tuned_lm, with_adapter

    unmerged = load_tuned_lm(cfg.model.name, adapter_dir, device=cfg.model.device, dtype=cfg.model.dtype, merge=False)
    sample = corpus.split(cfg.eval.split)[: cfg.model.batch_size]

    def ms_per_question(lm) -> float:
        answers = answerer(cfg, lm, None, corpus).answer(sample)
        return sum(a.generate_ms for a in answers) / len(answers)

    latency = {"questions": len(sample), "unmerged_ms": ms_per_question(unmerged)}
    if not cfg.finetune.merge_for_inference:
        return unmerged, latency
    merged = with_adapter(unmerged, unmerged.model, merge=True)
    latency["merged_ms"] = ms_per_question(merged)
    return merged, latency


def evaluate_arms(cfg: ExperimentConfig, corpus: Corpus, lm, retriever, tuned_lm=None, abstain_below: float | None = None) -> list[dict]:
    questions = corpus.split(cfg.eval.split)
    rows = []
    for arm, arm_answerer in build_answerers(cfg, lm, corpus, retriever, tuned_lm, abstain_below).items():
        log.info("arm %s: answering %d questions", arm, len(questions))
        rows.extend(run_arm(arm, arm_answerer, questions, corpus))
    return rows


def summarize(cfg: ExperimentConfig, rows: list[dict], *, started: str, meta: dict, arm_extras: dict | None = None) -> Summary:
    """Metrics per arm from the rows, plus per-arm facts measured outside the harness (training)."""
    general_ids = general_knowledge_kept(rows)
    arms = {
        arm: summarize_arm(
            [r for r in rows if r["arm"] == arm],
            arm,
            bootstrap_samples=cfg.eval.bootstrap_samples,
            seed=cfg.run.seed,
            general_ids=general_ids,
        )
        for arm in cfg.eval.arms
    }
    for arm, extra in (arm_extras or {}).items():
        if arm in arms:
            arms[arm].update(extra)
    return Summary(run_info=run_info(cfg, started), meta_info=meta, arms=arms, controls=_controls(rows, general_ids))


def _controls(rows: list[dict], general_ids: set[str] | None) -> dict:
    """How many control questions each behaviour metric rests on (the report states it)."""
    asked = {(r["question_id"], r["kind"]) for r in rows}
    general = sum(1 for _, kind in asked if kind == GENERAL)
    return {
        "unanswerable": sum(1 for _, kind in asked if kind == UNANSWERABLE),
        "general_candidates": general,
        "general_kept": general if general_ids is None else len(general_ids),
        "general_reference": None if general_ids is None else reference_arm(),
    }


def write_results(out: Path, rows: list[dict], summary: dict) -> None:
    """predictions.jsonl and summary.json: everything the report is rendered from."""
    out = Path(out)
    write_jsonl(out / "predictions.jsonl", rows)
    write_json(out / "summary.json", summary)


def evaluate_experiment(
    cfg: ExperimentConfig, corpus: Corpus, lm, retriever, *, embedder_name, started: str, adapter=None
) -> tuple[list[dict], dict]:
    """Run every arm: (prediction rows, summary). `adapter` (an AdapterOutcome) is needed for lora/hybrid."""
    tuned_lm, extras = None, {}
    if adapter is not None:
        tuned_lm, merge_latency = tuned_lm_for_eval(cfg, adapter.adapter_dir, corpus)
        train = {**adapter.record["metrics"], "reused": adapter.reused, "loss_curve": adapter.record["loss_curve"]}
        # the training cost is reported with the arm that stands for fine-tuning (lora), else the first tuned one
        holder = side_arm(FINETUNE, cfg.eval.arms) or next((a for a in cfg.eval.arms if ARMS[a].tuned), None)
        if holder:
            extras[holder] = {"train": train, "merge_latency": merge_latency}
    gate = resolve_gate(cfg, corpus, retriever) if retriever is not None else None
    rows = evaluate_arms(cfg, corpus, lm, retriever, tuned_lm, gate.threshold if gate else None)
    summary = summarize(cfg, rows, started=started, meta=meta_info(lm, embedder_name, corpus), arm_extras=extras)
    if retriever is not None:
        summary["retrieval"] = retrieval_quality(retriever.index, corpus.split(cfg.eval.split))
        summary["gate"] = gate.record()
    return rows, summary

"""The evaluation stage: run the configured arms of an assembled run (eval/assembly.py) over the
question split, and summarise the rows. The commands write the run directory from the result
(eval/rundir.py), then render the report from the files; so can a notebook."""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import ExperimentConfig
from core.corpus import GENERAL, UNANSWERABLE, Question
from core.generate import window
from eval.assembly import Assembly, reader_arms
from eval.catalogue import ARMS, CLOSED_BOOK, FINETUNE, RAG, reference_arm, side_arm
from eval.schema import Summary
from eval.scoring.harness import general_knowledge_kept, run_arm, summarize_arm
from eval.scoring.retrieval import retrieval_quality
from eval.stages.gate import Gate, ReplayedBehindGate, calibrate_gate
from eval.stages.run_info import meta_info, run_info
from eval.stages.window import does_not_fit

log = logging.getLogger(__name__)


def tuned_lm_for_eval(parts: Assembly) -> tuple[object, dict]:
    """The fine-tuned model the lora/hybrid arms use, and the unmerged-vs-merged latency on one batch.

    An unmerged LoRA adds work to every forward pass; measuring both on the same questions makes
    that cost visible even though the arms run merged by default (finetune.merge_for_inference).
    """
    from finetune.adapter import load_tuned_lm, with_adapter

    cfg = parts.cfg
    unmerged = load_tuned_lm(cfg.model.name, parts.adapter.adapter_dir, device=cfg.model.device, dtype=cfg.model.dtype, merge=False)
    sample = parts.corpus.split(cfg.eval.split)[: cfg.model.batch_size]
    closed_book = ARMS[side_arm(FINETUNE, ARMS)]  # the tuned model with no passages

    def ms_per_question(lm) -> float:
        answers = parts.answerer(closed_book, tuned=lm).answer(sample)
        return sum(a.generate_ms for a in answers) / len(answers)

    latency = {"questions": len(sample), "unmerged_ms": ms_per_question(unmerged)}
    if not cfg.finetune.merge_for_inference:
        return unmerged, latency
    merged = with_adapter(unmerged, unmerged.model, merge=True)
    latency["merged_ms"] = ms_per_question(merged)
    return merged, latency


def _asked(arm: str, questions: list[Question], general_kept: set[str] | None = None) -> list[Question]:
    """The questions `arm` answers: a ceiling arm only the answerable ones; a whole-corpus arm no
    general-knowledge controls; with the reference arm's right answers known (`general_kept`), only
    those controls (the rest cannot show forgetting: a fact the model never knew cannot be forgotten)."""
    if ARMS[arm].answerable_only:
        return [q for q in questions if q.answerable]
    if ARMS[arm].caches_corpus:
        # its weights are the base model's, which the reference arm's controls already measure; each of
        # the hundreds of controls would cost it a whole-corpus prompt (0.4 s on 2 cores for quillfeather)
        return [q for q in questions if q.kind != GENERAL]
    if general_kept is None or arm == reference_arm():
        return questions
    return [q for q in questions if q.kind != GENERAL or q.id in general_kept]


def calibrate_pending_gate(parts: Assembly, questions: list[Question]) -> dict[str, object]:
    """An `auto` gate is calibrated on the gated rag arm's own open-gate answers (eval/stages/gate.py);
    returns that arm's answerer, replaying those answers behind the calibrated gate. Nothing otherwise."""
    if parts.gate is None or not parts.gate.pending:
        return {}
    name = next((a for a in parts.cfg.eval.arms if ARMS[a].gated and ARMS[a].side == RAG), None)
    if name is None:
        parts.gate = Gate(None, "none: auto calibrates on the rag arm's answers, and this run has no rag arm")
        return {}
    asked = [q for q in _asked(name, questions) if q.kind != GENERAL]  # the general controls are never gated
    log.info("arm %s: answering %d questions with the gate open, to calibrate it", name, len(asked))
    open_answers = parts.answerer(ARMS[name], gate_open=True).answer(asked)
    parts.gate = calibrate_gate(parts.cfg, asked, open_answers, parts.corpus)
    log.info("gate: %s", parts.gate.how)
    return {name: ReplayedBehindGate(open_answers, parts.gate, parts.corpus.style.abstention, parts.answerer(ARMS[name]))}


def evaluate_arms(parts: Assembly) -> list[dict]:
    """Every configured arm's rows; the reference arm first, so the others skip the general-knowledge
    controls it gets wrong (parts.general_kept, kept for the seeds stage)."""
    questions = parts.corpus.split(parts.cfg.eval.split)
    replayed = calibrate_pending_gate(parts, questions)
    answerers = parts.answerers()
    rows = []
    for arm in sorted(answerers, key=lambda a: a != reference_arm()):  # stable: the rest keep report order
        asked = _asked(arm, questions, parts.general_kept)
        unfit = does_not_fit(answerers[arm], asked) if ARMS[arm].caches_corpus else None
        if unfit:
            log.warning("arm %s not run: its prompts are %d tokens, and with %d for the answer that passes the model's window of %d",
                        arm, unfit["prompt_tokens"], unfit["answer_tokens"], unfit["window"])
            parts.not_run[arm] = {"reason": "does not fit", **unfit}
            continue
        log.info("arm %s: answering %d questions", arm, len(asked))
        rows.extend(run_arm(arm, replayed.get(arm, answerers[arm]), asked, parts.corpus))
        if answerers[arm].opening is not None:
            parts.openings[arm] = answerers[arm].opening
        if arm == reference_arm():
            parts.general_kept = general_knowledge_kept(rows)
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
        if any(r["arm"] == arm for r in rows)  # an arm not run (eval/stages/window.py) has none
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


def training_record(outcome) -> dict:
    """An adapter's training metrics as the summary keeps them: whether it was reused, its loss curve."""
    return {**outcome.record["metrics"], "reused": outcome.reused, "loss_curve": outcome.record["loss_curve"]}


def opening_record(opening, limit: int | None) -> dict:
    """A cached opening as the summary keeps it: its tokens against the window, what computing it
    once cost, and the memory its keys and values hold."""
    return {
        "tokens": opening.tokens, "window": limit, "build_seconds": opening.build_ms / 1000,
        "megabytes": opening.nbytes / 2**20, "reused": opening.reused,
    }


def evaluate_experiment(parts: Assembly, *, started: str) -> tuple[list[dict], dict]:
    """Run every configured arm on the assembled parts: (prediction rows, summary). With an adapter,
    the tuned model is loaded here (and its merged and unmerged latency measured)."""
    cfg, extras = parts.cfg, {}
    if parts.adapter is not None:
        parts.tuned, merge_latency = tuned_lm_for_eval(parts)
        train = training_record(parts.adapter)
        # the training cost is reported with the arm that stands for fine-tuning (lora), else the first tuned one
        holder = side_arm(FINETUNE, cfg.eval.arms) or next((a for a in cfg.eval.arms if ARMS[a].adapter == CLOSED_BOOK), None)
        if holder:
            extras[holder] = {"train": train, "merge_latency": merge_latency}
    if parts.reader_adapter is not None:
        parts.load_reader()
        holder = next((a for a in reader_arms(cfg) if ARMS[a].retrieves), None)
        if holder:  # the RAFT training cost, with the arm that reads retrieved passages with it
            extras[holder] = {"train": training_record(parts.reader_adapter)}
    rows = evaluate_arms(parts)
    for arm, opening in parts.openings.items():
        extras.setdefault(arm, {})["prefix"] = opening_record(opening, window(parts.lm))
    embedder_name = parts.embedder.name if parts.embedder is not None else None
    summary = summarize(cfg, rows, started=started, meta=meta_info(parts.lm, embedder_name, parts.corpus), arm_extras=extras)
    if parts.not_run:
        summary["not_run"] = parts.not_run
    if parts.index is not None:
        summary["retrieval"] = retrieval_quality(parts.index, parts.corpus.split(cfg.eval.split))
        summary["gate"] = parts.gate.record()
    return rows, summary

"""The update stage: apply each knowledge-update round, then the deletions, to both approaches and
measure what absorbing the change cost and how well it took.

Per round and arm: `absorb_seconds` (wall time to make the change live) and the rates in
eval/scoring/update_rates.py. The arms:

- `rag`: the index updated in place (only changed documents re-indexed), the base model reading it;
- `lora_<strategy>`: each configured fine-tune strategy (the registry in finetune/strategies.py);
  a strategy that continues the adapter continues its own from round to round;
- `raft`: the reader trained to read (RAFT) reading the updated index with its adapter unchanged:
  absorbing a round costs it what it costs `rag` (the re-index), no training;
- `hybrid`: the conflict probe. The adapter trained on the original facts reads passages from the
  updated index: `efficacy` is how often the retrieved new value wins, `stale_rate` how often the
  old value learned into the weights wins.

- `context`: the whole corpus in the prompt; absorbing a change is computing the changed corpus's
  keys and values anew (its `absorb_seconds`), no index, no training.

Deletions: `rag` and `raft` read the index without the documents' chunks (a `raft` leak is a value
its adapter memorised while training), `context` reads the corpus without them; a fine-tune cannot have facts edited out of its weights
cheaply, so the from-scratch strategy (`lora_full`) retrains without the documents.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

from core.config import ExperimentConfig
from core.corpus import Corpus, Question, load_corpus
from core.errors import InputError
from core.updates import UpdateRound, delete_documents, load_deletions, load_update_rounds
from eval.assembly import Assembly, reader_arms
from eval.catalogue import ARMS, FINETUNE, RAG, UPDATE_ARMS, conflict_probe, side_arm
from eval.rundir import INDEX_DIR
from eval.schema import tagged
from eval.scoring.update_rates import answer_probe, deletion_metrics, round_metrics
from eval.stages.whole_corpus import reprompt
from finetune.pipeline import AdapterOutcome, ensure_adapter
from finetune.strategies import STRATEGIES, Strategy
from finetune.updating import train_strategy, tuned_model
from rag.index import save_index
from rag.indexing import update_index

log = logging.getLogger(__name__)


@dataclass
class UpdateInputs:
    """What the main comparison leaves for the update stage: its assembled parts (whose index the
    rounds update in place, and whose adapter was trained on the original corpus), where to write,
    and its predictions (each arm's accuracy on the facts before the change)."""

    parts: Assembly
    out: Path
    main_rows: list[dict]

    @property
    def cfg(self) -> ExperimentConfig:
        return self.parts.cfg

    @property
    def corpus(self) -> Corpus:  # the corpus the main arms ran on
        return self.parts.corpus


def update_plan(cfg: ExperimentConfig, corpus: Corpus) -> tuple[list[UpdateRound], list[str]]:
    """(rounds, documents to delete) as configured. On a subset of the corpus, without the documents
    the subset left out (documents a round adds stay); the files are validated against the whole
    corpus either way."""
    full, all_rounds, left_out = _corpus_rounds(cfg, corpus)
    rounds = _on_subset(all_rounds, left_out)[: cfg.updates.max_rounds] if cfg.updates.rounds else []
    if not cfg.updates.deletions:
        return rounds, []
    for rnd in all_rounds:
        full = rnd.apply(full)
    return rounds, [d for d in load_deletions(cfg.corpus.dir, full) if d not in left_out]


def _corpus_rounds(cfg: ExperimentConfig, corpus: Corpus) -> tuple[Corpus, list[UpdateRound], set[str]]:
    """(the whole corpus, all its rounds, the document ids the configured subset leaves out)."""
    full = load_corpus(cfg.corpus.dir)
    left_out = {d.id for d in full.documents} - {d.id for d in corpus.documents}
    return full, load_update_rounds(cfg.corpus.dir, full), left_out


def _on_subset(rounds: list[UpdateRound], left_out: set[str]) -> list[UpdateRound]:
    """The rounds without the left-out documents, dropping those that then change nothing asked about."""
    return [r for r in (r.without(left_out) for r in rounds) if r.questions]


def locality_sample(cfg: ExperimentConfig, corpus: Corpus, rounds: list[UpdateRound], deleted: list[str]) -> list[Question]:
    """A fixed sample of eval questions on facts no round changes and no deletion removes."""
    touched = set().union(*(r.fact_ids() for r in rounds)) if rounds else set()
    stable = [
        q for q in corpus.split("eval") if q.answerable and q.fact_id not in touched and not set(q.doc_ids) & set(deleted)
    ]
    return random.Random(cfg.run.seed).sample(stable, min(cfg.updates.locality_questions, len(stable)))


def run_updates(parts: Assembly, out: Path, main_rows: list[dict]) -> tuple[list[dict], dict]:
    """(prediction rows, summary parts `updates` and `deletions`) for the configured rounds and deletions."""
    inputs = UpdateInputs(parts, out, main_rows)
    cfg = inputs.cfg
    rounds, deleted = update_plan(cfg, inputs.corpus)
    corpus = inputs.corpus
    for rnd in rounds:
        corpus = rnd.apply(corpus)
    deleted = [d for d in deleted if d in corpus.by_doc_id()]  # max_rounds may stop before a round adds it
    locality = locality_sample(cfg, inputs.corpus, rounds, deleted)
    final = delete_documents(corpus, deleted)[0]
    rows: list[dict] = []
    summary: dict = {}
    retrained = None
    if rounds:
        full_rounds = len(rounds) if cfg.updates.full_rounds is None else cfg.updates.full_rounds
        round_rows, summary["updates"], retrained = _run_rounds(inputs, rounds, locality, full_rounds, final)
        rows += round_rows
    if deleted:
        deletion_rows, summary["deletions"] = _run_deletions(inputs, corpus, deleted, locality, retrained)
        rows += deletion_rows
    return rows, summary


def run_one_round(parts: Assembly, out: Path, main_rows: list[dict], name: str) -> tuple[list[dict], dict]:
    """(prediction rows, summary part `updates`) for round `name` alone, whatever the config selects.

    The rounds before it are applied to the corpus and the index first, unmeasured; the delta
    strategies continue the run's adapter (trained on the original corpus).
    """
    inputs = UpdateInputs(parts, out, main_rows)
    rounds, position = selected_round(inputs.cfg, inputs.corpus, name)
    corpus = inputs.corpus
    for earlier in rounds[:position]:
        after = earlier.apply(corpus)
        update_index(parts.index, corpus, after)
        corpus = after
    locality = locality_sample(inputs.cfg, inputs.corpus, rounds[: position + 1], [])
    # one round asked for by name: every configured strategy, `full` included
    rows, updates, _ = _run_rounds(inputs, [rounds[position]], locality, 1, start=corpus)
    return rows, updates


def selected_round(cfg: ExperimentConfig, corpus: Corpus, name: str) -> tuple[list[UpdateRound], int]:
    """(the rounds about the selected documents, the position of round `name` among them), or an
    InputError naming the rounds there are (`ragvsft update` checks this before any model loads)."""
    _, all_rounds, left_out = _corpus_rounds(cfg, corpus)
    rounds = _on_subset(all_rounds, left_out)
    names = [r.name for r in rounds]
    if name not in names:
        raise InputError(f"{cfg.corpus.dir / 'updates'}: no round {name!r} about the selected documents (rounds: {', '.join(names) or 'none'})")
    return rounds, names.index(name)


# The catalogue's arms the update stage measures beside the strategies, and the main arm each
# strategy is compared with before the change. The probe is the closed-book adapter reading
# retrieved passages; the reading arms re-read the index with the RAFT adapter unchanged.
RAG_ARM, TUNED_ARM = side_arm(RAG, ARMS), side_arm(FINETUNE, ARMS)
PROBE_ARM = conflict_probe()


def reading_arms(parts: Assembly) -> list[str]:
    """The configured arms that read retrieved passages with the RAFT adapter (loaded on first use)."""
    names = [a for a in reader_arms(parts.cfg) if ARMS[a].retrieves] if parts.reader_adapter is not None else []
    if names and parts.reader is None:
        parts.load_reader()
    return names


def _reread(
    parts: Assembly, names: list[str], corpus: Corpus, probe: list[Question], locality: list[Question], kind: str = "changed"
) -> dict[str, list[dict]]:
    """Each reading arm's probe rows on `corpus` (its index already updated), adapter unchanged."""
    return {name: answer_probe(name, parts.answerer(ARMS[name], corpus=corpus), probe, locality, kind) for name in names}
RETRAIN = next(s for s in STRATEGIES.values() if s.from_scratch)  # how the fine-tune forgets a deletion


def strategy_arm(strategy: Strategy) -> str:
    return f"lora_{strategy.name}"


def _run_rounds(
    inputs: UpdateInputs, rounds: list[UpdateRound], locality: list[Question], full_rounds: int, final: Corpus | None = None,
    start: Corpus | None = None,
) -> tuple[list[dict], dict, AdapterOutcome | None]:
    """(rows, summary part `updates`, the from-scratch adapter of the last round if it ran). A
    from-scratch strategy runs on the last `full_rounds` rounds; on the last one it retrains on
    `final` (when given), the corpus after every round and deletion: one retraining absorbs all
    pending changes, as a full retrain would in practice, and the deletions reuse it (their probe
    and the locality sample never overlap a round). `start`: the corpus before the first of
    `rounds` (default: the main run's)."""
    parts, cfg, out = inputs.parts, inputs.cfg, inputs.out / "updates"
    corpus = inputs.corpus if start is None else start
    retrained = None
    strategies = [STRATEGIES[name] for name in cfg.updates.strategies]
    continued = {s.name: parts.adapter for s in strategies if not s.from_scratch}
    # the hybrid conflict probe, every round: the adapter trained on the original corpus (loaded once)
    original = parts.tuned if parts.tuned is not None else parts.load_tuned()
    rows, results = [], []
    for number, rnd in enumerate(rounds):
        before, corpus = corpus, rnd.apply(corpus)
        changed = [q for q in rnd.questions if q.split == "eval"]
        arms: dict[str, dict] = {}
        log.info("update round %s: %d changed facts", rnd.name, len(rnd.fact_ids()))

        seconds = _timed_index_update(parts, before, corpus, out / rnd.name / INDEX_DIR)
        arm_rows = answer_probe(RAG_ARM, parts.answerer(ARMS[RAG_ARM], corpus=corpus), changed, locality)
        arms[RAG_ARM] = round_metrics(cfg, arm_rows, seconds, inputs.main_rows, RAG_ARM)
        rows += tagged(arm_rows, stage="update", round=rnd.name)
        for name, arm_rows in _reread(parts, reading_arms(parts), corpus, changed, locality).items():
            arms[name] = round_metrics(cfg, arm_rows, seconds, inputs.main_rows, name)  # the same re-index absorbs it
            rows += tagged(arm_rows, stage="update", round=rnd.name)
        for name, (arm_rows, rebuilt) in reprompt(parts, corpus, changed, locality).items():
            arms[name] = round_metrics(cfg, arm_rows, rebuilt, inputs.main_rows, name)
            rows += tagged(arm_rows, stage="update", round=rnd.name)

        probe_rows = answer_probe(PROBE_ARM, parts.answerer(ARMS[PROBE_ARM], corpus=corpus, tuned=original), changed, [])
        arms[PROBE_ARM] = round_metrics(cfg, probe_rows, None, inputs.main_rows, PROBE_ARM)
        rows += tagged(probe_rows, stage="update", round=rnd.name)

        last = number == len(rounds) - 1
        for strategy in strategies:
            if strategy.from_scratch and number < len(rounds) - full_rounds:
                continue
            arm = strategy_arm(strategy)
            train_on = final if last and strategy.from_scratch and final is not None else corpus
            outcome = train_strategy(cfg, parts.lm, strategy, rnd, train_on, continued.get(strategy.name), out / rnd.name / arm)
            if not strategy.from_scratch:
                continued[strategy.name] = outcome
            elif last:
                retrained = outcome
            tuned = tuned_model(cfg, outcome)
            arm_rows = answer_probe(arm, parts.answerer(UPDATE_ARMS[arm], corpus=corpus, tuned=tuned), changed, locality)
            arms[arm] = round_metrics(cfg, arm_rows, outcome.record["metrics"]["seconds"], inputs.main_rows, TUNED_ARM)
            arms[arm]["reused"] = outcome.reused
            rows += tagged(arm_rows, stage="update", round=rnd.name)
            del tuned
        results.append({"name": rnd.name, "changed_facts": len(rnd.fact_ids()), "changed_questions": len(changed), "arms": arms})
    full_names = [r.name for r in rounds[len(rounds) - full_rounds :]] if full_rounds else []
    return rows, {"rounds": results, "locality_questions": len(locality), "full_rounds": full_names}, retrained


def _run_deletions(
    inputs: UpdateInputs, corpus: Corpus, deleted: list[str], locality: list[Question], retrained: AdapterOutcome | None
) -> tuple[list[dict], dict]:
    """`retrained`: the last round's from-scratch adapter, already trained without the deleted documents."""
    parts, cfg, out = inputs.parts, inputs.cfg, inputs.out / "deletions"
    kept, removed = delete_documents(corpus, deleted)
    probe = [q for q in removed if q.split == "eval"]
    log.info("deleting %d documents: %d probe questions", len(deleted), len(probe))
    arms, rows = {}, []

    seconds = _timed_index_update(parts, corpus, kept, out / INDEX_DIR)
    arm_rows = answer_probe(RAG_ARM, parts.answerer(ARMS[RAG_ARM], corpus=kept), probe, locality, "deleted")
    arms[RAG_ARM] = deletion_metrics(cfg, arm_rows, seconds)
    rows += tagged(arm_rows, stage="deletion", round=None)
    for name, arm_rows in _reread(parts, reading_arms(parts), kept, probe, locality, "deleted").items():
        arms[name] = {**deletion_metrics(cfg, arm_rows, seconds), "adapter_unchanged": True}
        rows += tagged(arm_rows, stage="deletion", round=None)
    for name, (arm_rows, rebuilt) in reprompt(parts, kept, probe, locality, "deleted").items():
        arms[name] = deletion_metrics(cfg, arm_rows, rebuilt)
        rows += tagged(arm_rows, stage="deletion", round=None)

    arm = strategy_arm(RETRAIN)
    outcome = retrained or ensure_adapter(cfg, kept, out / arm, parts.lm)
    arm_rows = answer_probe(arm, parts.answerer(UPDATE_ARMS[arm], corpus=kept, tuned=tuned_model(cfg, outcome)), probe, locality, "deleted")
    arms[arm] = {
        **deletion_metrics(cfg, arm_rows, outcome.record["metrics"]["seconds"]),
        "reused": outcome.reused,
        "same_retrain_as_last_round": retrained is not None,
    }
    rows += tagged(arm_rows, stage="deletion", round=None)
    return rows, {"documents": deleted, "questions": len(probe), "arms": arms}


def _timed_index_update(parts: Assembly, before: Corpus, after: Corpus, directory: Path) -> float:
    """Seconds to make the change live for RAG: re-index changed documents, update and save the index."""
    start = time.perf_counter()
    touched = update_index(parts.index, before, after)
    save_index(parts.index, directory)
    seconds = time.perf_counter() - start
    log.info("index updated in %.2f s: %s", seconds, touched)
    return seconds

"""What each trait reads in one run: the verdict row that speaks to it, each approach's measured
number with its interval and the summary.json field it is, and which approaches the measurement
keeps. One rule for every rate (the verdict's, eval/scoring/paired.py): the approach measured best
is kept, and so is every other one whose paired difference from it is not called (its interval
holds 0). A single measurement with no interval (seconds) keeps what is within the verdict's
COST_FACTOR of the cheapest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from eval.catalogue import CLOSED_BOOK, FINETUNE, READER, arm, metric, side_arm
from eval.report.evidence import better
from eval.report.format import seconds_text
from eval.report.questions import FACT_GROUPS
from eval.report.verdict_rules import COST_FACTOR, difference_cell, rate_text
from eval.report.verdict_updates import absorb_per_round, changed_rows, stage_difference, update_rates
from eval.scoring.paired import Difference
from advice.runs import RunEvidence, approach_of


@dataclass
class Cell:
    value: float
    text: str  # as the reasoning shows it, with the interval
    field: str  # where it is in the run: a summary.json path
    detail: str = ""  # e.g. which fine-tune strategy stands for the approach


@dataclass
class Finding:
    trait: str
    aspect: str  # the verdict row that speaks to it
    run: RunEvidence
    cells: dict[str, Cell]  # approach -> its number
    kept: list[str]  # the approaches this measurement keeps
    basis: str  # how the measurement decided
    versus: dict[str, str] = field(default_factory=dict)  # approach -> its difference from the best, in words


def within_cost_factor(seconds: dict[str, float]) -> list[str]:
    """The keys within COST_FACTOR of the cheapest: a time measured once is called only that far apart
    (the verdict's rule); under a millisecond counts as a millisecond, timer noise."""
    cheapest = max(min(seconds.values()), 1e-3)
    return [k for k, v in seconds.items() if v <= COST_FACTOR * cheapest]


def _kept_by_difference(cells: dict[str, Cell], key: str, diff_of: Callable[[str, str], Difference | None]) -> tuple[list[str], dict[str, str]]:
    """The best approach and those whose paired difference from it is not called worse."""
    sign = 1 if metric(key).higher_is_better else -1
    best = max(cells, key=lambda a: sign * cells[a].value)
    kept, versus = [best], {}
    for a in cells:
        if a == best:
            continue
        diff = diff_of(best, a)
        if diff is None:
            continue
        versus[a] = f"{a} minus {best}: {difference_cell(diff)}"
        if better(diff, key) >= 0:
            kept.append(a)
    return kept, versus


def _rate(run: RunEvidence, trait: str, aspect: str, key: str, over: str) -> Finding | None:
    cells = {a: Cell(run.arms[a][key], rate_text(run.arms[a], key), f"arms.{a}.{key}") for a in run.approaches() if key in run.arms[a]}
    if len(cells) < 2:
        return None
    kept, versus = _kept_by_difference(cells, key, lambda a, b: run.scores.difference(a, b, key))
    basis = f"`{key}` over {over}; paired difference from the best, 95% bootstrap interval (kept: not called worse)"
    return Finding(trait, aspect, run, cells, kept, basis, versus)


def knowledge(run: RunEvidence, value, knowledge: str | None = None) -> Finding | None:
    if value not in KNOWLEDGE_GROUPS:
        return None
    key, over = FACT_GROUPS[KNOWLEDGE_GROUPS[value]]
    return _rate(run, "knowledge", "Accuracy on the corpus", key, over)


def citations(run: RunEvidence, value, knowledge: str | None = None) -> Finding | None:
    return _rate(run, "citations", "Transparency (a right answer with a gold source shown)", "attribution", "the answerable questions")


def style(run: RunEvidence, value, knowledge: str | None = None) -> Finding | None:
    return _rate(run, "style", "Customization (house answer style)", "style_adherence", "the answerable questions")


def abstain(run: RunEvidence, value, knowledge: str | None = None) -> Finding | None:
    found = _rate(run, "abstain", "Knowing what it doesn't know (abstains when unanswerable)", "abstention_rate", "the unanswerable questions")
    if found:
        for a, cell in found.cells.items():  # what abstaining costs on the answerable ones, beside it
            cell.text += f"; abstains on {rate_text(run.arms[a], 'false_abstention_rate')} of the answerable"
    return found


def general_knowledge(run: RunEvidence, value, knowledge: str | None = None) -> Finding | None:
    return _rate(run, "general_knowledge", "Retained general knowledge", "general_knowledge", "the world-knowledge controls the model as shipped answers")


def _by_approach(run: RunEvidence, stage_arms, value_of: Callable[[str], float]) -> dict[str, str]:
    """approach -> the stage arm that stands for it (a fine-tune's several strategies: the best by `value_of`)."""
    chosen: dict[str, str] = {}
    for a in stage_arms:
        ap = approach_of(a, run.arms)
        if ap and (ap not in chosen or value_of(a) > value_of(chosen[ap])):
            chosen[ap] = a
    return chosen


KNOWLEDGE_GROUPS = {"documents": "documents", "qa_pairs": "trained"}  # a capability's `knowledge` -> the fact group that measures it


def changes(run: RunEvidence, value, knowledge: str | None = None) -> Finding | None:
    """Efficacy on the changed facts of the kind the capability's answers come from (`knowledge`):
    facts met only in documents, or trained as questions; the verdict's group when it does not say."""
    if not run.summary.get("updates"):
        return None
    group, pooled = update_rates(run.summary, run.rows, KNOWLEDGE_GROUPS.get(knowledge))
    chosen = _by_approach(run, pooled, lambda a: pooled[a]["efficacy"])
    if len(chosen) < 2:
        return None
    cells = {
        ap: Cell(pooled[a]["efficacy"], f"{rate_text(pooled[a], 'efficacy')} (stale {rate_text(pooled[a], 'stale_rate')}; "
                 f"pooled over {pooled[a]['rounds']} round(s))", f"updates.rounds[*].arms.{a}.efficacy", "" if a == ap else f"as {a}")
        for ap, a in chosen.items()
    }
    rows = changed_rows(run.rows, group)
    kept, versus = _kept_by_difference(
        cells, "efficacy", lambda x, y: stage_difference(rows, chosen[x], chosen[y], "correct", run.summary, round_key=True))
    basis = f"`efficacy` on the changed facts ({FACT_GROUPS[group][1]}), pooled over the rounds, gate aside; paired difference from the best"
    return Finding("changes", "Adapting to changed facts (efficacy; stale)", run, cells, kept, basis, versus)


def removal(run: RunEvidence, value, knowledge: str | None = None) -> Finding | None:
    deletions = (run.summary.get("deletions") or {}).get("arms") or {}
    chosen = _by_approach(run, deletions, lambda a: -deletions[a]["leak_rate"])
    if len(chosen) < 2:
        return None
    cells = {
        ap: Cell(deletions[a]["leak_rate"], f"leak {rate_text(deletions[a], 'leak_rate')}; forgets in {seconds_text(deletions[a]['absorb_seconds'])}",
                 f"deletions.arms.{a}.leak_rate, .absorb_seconds", "" if a == ap else f"as {a}")
        for ap, a in chosen.items()
    }
    deleted = [r for r in run.rows if r.get("stage") == "deletion" and r.get("probe") == "deleted"]
    kept, versus = _kept_by_difference(
        cells, "leak_rate", lambda x, y: stage_difference(deleted, chosen[x], chosen[y], "correct", run.summary, round_key=False))
    quick = within_cost_factor({a: deletions[chosen[a]]["absorb_seconds"] for a in kept})
    slow, kept = [a for a in kept if a not in quick], quick
    basis = (f"`leak_rate` after deleting {len(run.summary['deletions']['documents'])} document(s), paired difference from the least "
             f"leaky; then the time to forget (`absorb_seconds`) within {COST_FACTOR}x of the fastest")
    if slow:
        basis += f" ({', '.join(slow)} left out: slower to forget)"
    return Finding("removal", "Removing data (leak after deletion; cost)", run, cells, kept, basis, versus)


def latency(run: RunEvidence, budget: float, knowledge: str | None = None) -> Finding | None:
    cells = {a: Cell(run.arms[a]["latency_ms"]["p95"], f"p95 {run.arms[a]['latency_ms']['p95']:.0f} ms", f"arms.{a}.latency_ms.p95")
             for a in run.approaches() if "latency_ms" in run.arms[a]}
    if not cells:
        return None
    kept = [a for a, c in cells.items() if c.value <= budget]
    basis = f"`latency_ms` p95 over the answered questions against the budget of {budget:.0f} ms, on {run.hardware}"
    return Finding("latency_p95_ms", "Latency per query (p50 / p95)", run, cells, kept, basis)


def setup_seconds(run: RunEvidence, approach: str) -> float | None:
    """What it takes to stand the approach up: the index for one that retrieves, the training of each
    adapter it answers with (a reader continued from the closed-book adapter needs that one too), the
    corpus's keys and values for one that holds the whole corpus in its prompt."""
    entry, total = arm(approach), 0.0
    if entry.retrieves:
        total += (run.summary.get("index") or {}).get("build_seconds") or 0.0
    if entry.caches_corpus:
        prefix = run.arms[approach].get("prefix")
        if prefix is None:
            return None
        total += prefix["build_seconds"]
    closed = (run.arms.get(side_arm(FINETUNE, run.arms)) or {}).get("train")
    reader = next((run.arms[a]["train"] for a in run.arms if arm(a) and arm(a).adapter == READER and "train" in run.arms[a]), None)
    continues = run.summary["run_info"]["config"].get("raft", {}).get("from_closed_book")
    for adapter, record in ((CLOSED_BOOK, closed), (READER, reader)):
        if entry.adapter == adapter or (entry.adapter == READER and adapter == CLOSED_BOOK and continues):
            if record is None:
                return None
            total += record["seconds"]
    return total


def absorb_seconds(run: RunEvidence) -> dict[str, tuple[float, str]]:
    """approach -> (mean seconds to absorb an update round, the stage arm measured): the cheapest strategy for a fine-tune."""
    per_round = absorb_per_round(run.summary) if run.summary.get("updates") else {}
    chosen = _by_approach(run, per_round, lambda a: -per_round[a])
    return {ap: (per_round[a], a) for ap, a in chosen.items()}

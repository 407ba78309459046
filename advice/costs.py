"""The crossovers, computed from a run's measured costs at the application's volume and cadence
rather than quoted: compute seconds a day per approach = queries a day x the mean seconds an answer
took + (updates a month / 30) x the seconds to absorb a round (RAG's re-index; a fine-tune's cheapest
strategy), and the prompt tokens a paid API would bill. Where RAG answers slower but absorbs an
update faster than the fine-tune, the volume at which their daily compute is equal is the crossover.

Seconds are wall seconds on the run's hardware (the run's threads): another machine scales them,
the crossover volume moves only as the ratio of its serving to training speed does.
"""

from __future__ import annotations

from eval.catalogue import FINETUNE, RAG, side_arm
from eval.report.format import seconds_text
from eval.report.verdict_rules import COST_FACTOR
from advice.measures import Cell, Finding, absorb_seconds, within_cost_factor
from advice.runs import RunEvidence

DAYS_PER_MONTH = 30


def _per_query(record: dict) -> float:
    """Mean wall seconds of an answer (over the answered questions: a refusal costs no generation)."""
    return record["latency_ms"]["mean"] / 1000


def cost(run: RunEvidence, queries_per_day: float | None, updates_per_month: float | None) -> Finding | None:
    absorb = absorb_seconds(run)
    cells: dict[str, Cell] = {}
    for a in run.approaches():
        record, parts, daily = run.arms[a], [], 0.0
        if "latency_ms" not in record:
            continue
        if queries_per_day is not None:
            serve = queries_per_day * _per_query(record)
            daily += serve
            tokens = queries_per_day * record["prompt_tokens"]
            parts.append(f"{queries_per_day:,.0f} queries x {1000 * _per_query(record):.0f} ms = {seconds_text(serve)} and "
                         f"{tokens:,.0f} prompt tokens a day")
        if updates_per_month is not None:
            if a not in absorb:
                continue  # this approach's update cost was not measured: it cannot be weighed
            seconds, stage_arm = absorb[a]
            update = updates_per_month / DAYS_PER_MONTH * seconds
            daily += update
            parts.append(f"{updates_per_month:g} update(s) a month x {seconds_text(seconds)} to absorb one"
                         + (f" ({stage_arm})" if stage_arm != a else "") + f" = {seconds_text(updates_per_month * seconds)} a month")
        fields = f"arms.{a}.latency_ms.mean, arms.{a}.prompt_tokens" if queries_per_day is not None else ""
        if updates_per_month is not None:
            fields += (", " if fields else "") + f"updates.rounds[*].arms.{absorb[a][1]}.absorb_seconds"
        cells[a] = Cell(daily, f"{seconds_text(daily)} of compute a day: " + "; ".join(parts), fields)
    if len(cells) < 2:
        return None
    kept = within_cost_factor({a: c.value for a, c in cells.items()})
    basis = f"wall seconds a day on {run.hardware}, within {COST_FACTOR}x of the cheapest"
    if crossover := crossover_text(run, absorb, updates_per_month):
        basis += f"; {crossover}"
    return Finding("cost", "Latency per query and Cost of absorbing an update", run, cells, kept, basis)


def crossover_text(run: RunEvidence, absorb: dict, updates_per_month: float | None) -> str:
    """Where RAG's and the fine-tune's daily compute cross at this cadence, when they do."""
    rag, tuned = side_arm(RAG, run.arms), side_arm(FINETUNE, run.arms)
    if not updates_per_month or rag not in absorb or tuned not in absorb:
        return ""
    serve = _per_query(run.arms[rag]) - _per_query(run.arms[tuned])  # what RAG pays more per answer
    update = absorb[tuned][0] - absorb[rag][0]  # what the fine-tune pays more per update
    if serve <= 0 or update <= 0:
        cheaper = rag if serve <= 0 else tuned
        return f"no crossover: {cheaper} is cheaper both per answer and per update"
    volume = updates_per_month / DAYS_PER_MONTH * update / serve
    return (f"crossover: at {updates_per_month:g} update(s) a month the fine-tune's compute is lower than RAG's above "
            f"{volume:,.0f} queries a day (RAG pays {1000 * serve:.0f} ms more per answer, the fine-tune {seconds_text(update)} more per update)")

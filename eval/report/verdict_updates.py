"""The verdict's update and deletion rows: adapting to changed facts (efficacy and stale rate pooled
over the rounds, gate aside, over the fact group the accuracy row decides on), the cost of absorbing
a round, and removing data (leak after a deletion, then its cost)."""

from __future__ import annotations

from eval.catalogue import FINETUNE, HYBRID, RAG, side_arm, side_of
from eval.report.format import seconds_text
from eval.report.questions import FACT_GROUPS, verdict_fact_group
from eval.report.verdict_rules import (
    COST_FACTOR, TIE, VerdictRow, by_cost, by_difference, context_name, difference_cell, how_compared, not_measured, pct_text, rate_text,
    side_names, sides, versus_cell,
)
from eval.scoring.paired import Difference, difference
from eval.scoring import metrics
from eval.scoring.scores import gate_aside_correct


def _reader_row(row: dict) -> dict:
    """The row as its reader answered it, where a gate answered instead (the verdict compares answers given)."""
    return {**row, "correct": gate_aside_correct(row), "stale": row.get("reader_stale", row["stale"])}


GROUP_ROWS = {"documents": 0.0, "trained": 1.0}  # a row's `fact_trained` in each fact group


def changed_rows(rows: list[dict], group: str) -> list[dict]:
    """The update rounds' changed-fact rows (of one fact group, unless `all`), gate aside."""
    changed = [_reader_row(r) for r in rows if r.get("stage") == "update" and r.get("probe") == "changed"]
    return [r for r in changed if r.get("fact_trained") == GROUP_ROWS[group]] if group in GROUP_ROWS else changed


def pooled_update_rates(rows: list[dict], samples: int, seed: int, group: str = "all") -> dict[str, dict]:
    """Per update arm, `efficacy` and `stale_rate` over the changed-fact questions of every round it
    ran in (those of one fact group, unless `all`), gate aside (a retrieving arm's reader's own answers)."""
    pooled: dict[str, dict] = {}
    changed = changed_rows(rows, group)
    for arm in dict.fromkeys(r["arm"] for r in changed):
        mine = [r for r in changed if r["arm"] == arm]
        pooled[arm] = {"rounds": len({r["round"] for r in mine}), **metrics.changed_fact_rates(mine, samples=samples, seed=seed)}
    return pooled


def _by_question(rows: list[dict], arm: str, score: str, round_key: bool) -> dict[str, float]:
    """{question (per round when `round_key`): score} of one arm: what the update rows pair on."""
    return {(f"{r['round']}/" if round_key else "") + r["question_id"]: float(r[score]) for r in rows if r["arm"] == arm}


def stage_difference(rows: list[dict], a: str, b: str, score: str, summary: dict, round_key: bool) -> Difference | None:
    """b - a on a stage's rows (paired when both answered the same questions of the same rounds); None
    when either has no row (a run directory written before the rows were kept)."""
    if not any(r["arm"] == a for r in rows) or not any(r["arm"] == b for r in rows):
        return None
    return difference(
        [_by_question(rows, a, score, round_key)], [_by_question(rows, b, score, round_key)],
        samples=summary["run_info"]["config"]["eval"]["bootstrap_samples"], seed=summary["run_info"]["seed"],
    )


def absorb_per_round(summary: dict) -> dict[str, float]:
    """Mean absorb seconds per round, per update arm that has them."""
    seconds: dict[str, list[float]] = {}
    for rnd in summary["updates"]["rounds"]:
        for arm, m in rnd["arms"].items():
            if "absorb_seconds" in m:
                seconds.setdefault(arm, []).append(m["absorb_seconds"])
    return {arm: sum(v) / len(v) for arm, v in seconds.items()}


def update_rates(summary: dict, rows: list[dict], group: str | None = None) -> tuple[str, dict[str, dict]]:
    """(fact group, pooled rates per update arm) over `group` when one is asked for; else as the verdict
    decides: over the group its accuracy row decides on, or over every changed fact when that group has
    none on both sides."""
    samples, seed = summary["run_info"]["config"]["eval"]["bootstrap_samples"], summary["run_info"]["seed"]
    if group is not None:
        return group, pooled_update_rates(rows, samples, seed, group)
    group = verdict_fact_group(summary)
    pooled = pooled_update_rates(rows, samples, seed, group)
    if not (side_arm(RAG, pooled) and any(side_of(a) == FINETUNE for a in pooled)):  # no changed fact of that group
        group, pooled = "all", pooled_update_rates(rows, samples, seed)
    return group, pooled


def update_rows(summary: dict, rows: list[dict]) -> list[VerdictRow]:
    adapt, cost = "Adapting to changed facts (efficacy; stale)", "Cost of absorbing an update (s per round)"
    if not summary.get("updates"):
        return [not_measured(adapt, "updates.rounds is off in this run"), not_measured(cost, "updates.rounds is off in this run")]
    group, pooled = update_rates(summary, rows)
    rag, reader = side_arm(RAG, pooled), side_arm(HYBRID, pooled)
    strategies = {a: p for a, p in pooled.items() if side_of(a) == FINETUNE}
    if rag is None or not strategies:
        why = "needs the rag arm and a fine-tune strategy in the update rounds"
        return [not_measured(adapt, why), not_measured(cost, why)]
    best = max(strategies, key=lambda a: strategies[a]["efficacy"])

    def cell(arm: str) -> str:
        p = pooled[arm]
        rounds = f"{p['rounds']} round{'s' if p['rounds'] != 1 else ''}"
        return f"{rate_text(p, 'efficacy')}; stale {pct_text(p.get('stale_rate'))} ({rounds})"

    ft_cells = "; ".join(f"{a}: {cell(a)}" for a in strategies)
    changed = changed_rows(rows, group)
    diff = stage_difference(changed, rag, best, "correct", summary, round_key=True)  # both have rows: pooled is made of them
    hybrid_diff = stage_difference(changed, rag, reader, "correct", summary, round_key=True) if reader else None
    hybrid = f"{cell(reader)} (minus {rag}: {difference_cell(hybrid_diff)})" if reader else "–"
    whole = context_name(pooled)
    whole_diff = stage_difference(changed, rag, whole, "correct", summary, round_key=True) if whole else None
    adapt_row = VerdictRow(
        adapt, cell(rag), ft_cells, hybrid, by_difference(diff, "efficacy"),
        f"`efficacy` pooled over the rounds, gate aside, {how_compared(diff, (rag, best))} (the best strategy); "
        f"changed facts counted: {FACT_GROUPS[group][1]}", diff, hybrid_diff,
        versus_cell(cell(whole), whole_diff, rag) if whole else "–", whole_diff,
    )
    absorb = absorb_per_round(summary)
    trained = [a for a in absorb if a in strategies]
    cheapest = min(trained, key=absorb.get)
    cost_row = VerdictRow(
        cost, f"{seconds_text(absorb[rag])} (re-index changed documents)",
        "; ".join(f"{a}: {seconds_text(absorb[a])}" for a in trained),
        f"{seconds_text(absorb[reader])} (rag's re-index; the adapter is not retrained)" if reader in absorb else "–",
        by_cost(absorb[rag], absorb[cheapest]),
        f"`absorb_seconds`, {rag} vs the cheapest strategy ({cheapest}), at least {COST_FACTOR}x apart",
        context=f"{seconds_text(absorb[whole])} (the corpus's keys and values computed again from the first changed document on)"
        if whole in absorb else "–",
    )
    return [adapt_row, cost_row]


def deletion_row(summary: dict, rows: list[dict]) -> VerdictRow:
    aspect = "Removing data (leak after deletion; cost)"
    deletions = summary.get("deletions")
    if not deletions:
        return not_measured(aspect, "updates.deletions is off in this run")
    names = side_names(deletions["arms"])
    rag, full, reader = sides(deletions["arms"])
    if not rag or not full:
        return not_measured(aspect, "needs the rag arm and a retraining in the deletions")

    def cell(arm: dict, how: str) -> str:
        return f"leak {rate_text(arm, 'leak_rate')}; {seconds_text(arm['absorb_seconds'])} {how}"

    deleted = [r for r in rows if r.get("stage") == "deletion" and r.get("probe") == "deleted"]
    diff = stage_difference(deleted, names[0], names[1], "correct", summary, round_key=False)
    if diff is None:
        return not_measured(aspect, "the prediction rows hold no answers after the deletion to compare")
    favours = by_difference(diff, "leak_rate")
    basis = f"`leak_rate`, {how_compared(diff, names[:2])}"
    if favours == TIE:
        favours = by_cost(rag["absorb_seconds"], full["absorb_seconds"])
        basis += f"; the leak tied, so `absorb_seconds` decides, at least {COST_FACTOR}x apart"
    hybrid = cell(reader, "to drop the chunks (adapter unchanged: a leak is a memorised value)") if reader else "–"
    whole = deletions["arms"].get(context_name(deletions["arms"]))
    whole_cell = cell(whole, "to compute the corpus without them") if whole and "absorb_seconds" in whole else "–"
    return VerdictRow(
        aspect, cell(rag, "to drop the chunks"), cell(full, "to retrain without the documents"), hybrid, favours, basis, diff,
        context=whole_cell,
    )

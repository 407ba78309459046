"""The measured verdict: one row per aspect the "RAG vs fine-tuning" tables argue about, the numbers
behind the RAG side and the fine-tune side (the arms the catalogue says stand for them: `rag`,
`lora` or the best update strategy), hybrid beside them, and which side the measurement favours.

How a side is favoured:
- a rate with a 95% interval favours a side only when the intervals do not overlap; otherwise it
  is a tie within the intervals;
- a single measurement with no interval (seconds, megabytes, tokens) favours the lower side only
  when it is at least COST_FACTOR times lower: a time measured once on a shared CPU varies by tens
  of percent (the same training took 185-385 s on a loaded 2-core machine).

Built from the run directory alone (summary.json and the prediction rows), like the rest of the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from eval.catalogue import FINETUNE, HYBRID, METRICS, RAG, metric, side_arm, side_of
from eval.report.format import interval_order, pct, rate_cell, seconds_text
from eval.report.limits import limits
from eval.report.questions import FACT_GROUPS, measured_on, verdict_fact_group
from eval.scoring import metrics
from eval.scoring.scores import gate_aside_correct

COST_FACTOR = 1.5
TIE = "tie"


@dataclass(frozen=True)
class VerdictRow:
    aspect: str
    rag: str
    finetune: str
    hybrid: str
    favours: str  # RAG, fine-tune, tie, or "not measured"
    basis: str  # how the call was made, or why nothing was measured


def pct_text(value: float | None) -> str:
    return pct(value, unit="%")


def rate_text(record: dict | None, key: str) -> str:
    return rate_cell(record, key, unit="%")


def by_interval(rag: dict, finetune: dict, key: str) -> str:
    """The side whose interval lies wholly on the better side of the other's (better: the catalogue's `higher_is_better`)."""
    order = interval_order(rag[f"{key}_ci"], finetune[f"{key}_ci"]) * (1 if metric(key).higher_is_better else -1)
    return {1: RAG, -1: FINETUNE, 0: TIE}[order]


def by_cost(rag: float, finetune: float) -> str:
    if rag * COST_FACTOR <= finetune:
        return RAG
    if finetune * COST_FACTOR <= rag:
        return FINETUNE
    return TIE


def _not_measured(aspect: str, why: str) -> VerdictRow:
    return VerdictRow(aspect, "–", "–", "–", "not measured", why)


def side_names(records: dict) -> tuple[str | None, str | None, str | None]:
    """The names of the arms standing for RAG, fine-tune and hybrid among `records`."""
    return tuple(side_arm(side, records) for side in (RAG, FINETUNE, HYBRID))


def sides(records: dict) -> tuple[dict | None, dict | None, dict | None]:
    """The records of the arms standing for RAG, fine-tune and hybrid among `records` (by arm name)."""
    return tuple(records.get(name) for name in side_names(records))


def _rate_row(arms: dict, aspect: str, key: str, *, note: str = "", extra: str | None = None) -> VerdictRow:
    """`extra`: a second rate shown in each cell; `note`: what else the reader of the row must know."""
    rag, lora, hybrid = sides(arms)
    if not rag or not lora or key not in rag or key not in lora:
        return _not_measured(aspect, f"needs `{key}` on both the rag and lora arms")

    def cell(arm: dict | None) -> str:
        text = rate_text(arm, key)
        return f"{text}; {METRICS[extra].label} {pct_text(arm[extra])}" if arm and extra and extra in arm else text

    names = side_names(arms)
    basis = f"`{key}`, {names[0]} vs {names[1]}, 95% intervals{note}"
    return VerdictRow(aspect, cell(rag), cell(lora), cell(hybrid), by_interval(rag, lora, key), basis)


def _per_query_cost_row(arms: dict, aspect: str, value, text, basis: str) -> VerdictRow:
    """A cost every answer pays, lower is better: `value(arm)` decides, `text(arm)` is the cell."""
    rag, lora, hybrid = sides(arms)
    if not rag or not lora:
        return _not_measured(aspect, "needs the rag and lora arms")
    cells = [text(a) if a else "–" for a in (rag, lora, hybrid)]
    names = side_names(arms)
    return VerdictRow(aspect, *cells, by_cost(value(rag), value(lora)), f"{basis}, {names[0]} vs {names[1]}, at least {COST_FACTOR}x apart")


def _setup_row(summary: dict) -> VerdictRow:
    aspect = "Set-up cost (index vs training)"
    index, train = summary.get("index"), (sides(summary["arms"])[1] or {}).get("train")
    if not index or index.get("build_seconds") is None or not train:
        return _not_measured(aspect, "needs an index built by this run dir and a trained adapter (`ragvsft run`)")
    rag = f"{seconds_text(index['build_seconds'])} to chunk and index {index['chunks']} chunks ({index.get('retriever', 'dense')}); {index['size_mb']:.1f} MB"
    finetune = (
        f"{seconds_text(train['seconds'])} training on {train['tokens']:,} tokens; adapter {train['adapter_mb']:.1f} MB; "
        f"peak RSS {train['peak_rss_mb']:.0f} MB"
    )
    favours = by_cost(index["build_seconds"], train["seconds"])
    return VerdictRow(aspect, rag, finetune, "both of the above", favours, f"wall seconds, index build vs LoRA training, at least {COST_FACTOR}x apart")


def _reader_row(row: dict) -> dict:
    """The row as its reader answered it, where a gate answered instead (the verdict compares answers given)."""
    return {**row, "correct": gate_aside_correct(row), "stale": row.get("reader_stale", row["stale"])}


GROUP_ROWS = {"documents": 0.0, "trained": 1.0}  # a row's `fact_trained` in each fact group


def pooled_update_rates(rows: list[dict], samples: int, seed: int, group: str = "all") -> dict[str, dict]:
    """Per update arm, `efficacy` and `stale_rate` over the changed-fact questions of every round it
    ran in (those of one fact group, unless `all`), gate aside (a retrieving arm's reader's own answers)."""
    pooled: dict[str, dict] = {}
    changed = [_reader_row(r) for r in rows if r.get("stage") == "update" and r.get("probe") == "changed"]
    if group in GROUP_ROWS:
        changed = [r for r in changed if r.get("fact_trained") == GROUP_ROWS[group]]
    for arm in dict.fromkeys(r["arm"] for r in changed):
        mine = [r for r in changed if r["arm"] == arm]
        pooled[arm] = {"rounds": len({r["round"] for r in mine}), **metrics.changed_fact_rates(mine, samples=samples, seed=seed)}
    return pooled


def _absorb_per_round(summary: dict) -> dict[str, float]:
    """Mean absorb seconds per round, per update arm that has them."""
    seconds: dict[str, list[float]] = {}
    for rnd in summary["updates"]["rounds"]:
        for arm, m in rnd["arms"].items():
            if "absorb_seconds" in m:
                seconds.setdefault(arm, []).append(m["absorb_seconds"])
    return {arm: sum(v) / len(v) for arm, v in seconds.items()}


def _update_rows(summary: dict, rows: list[dict]) -> list[VerdictRow]:
    adapt, cost = "Adapting to changed facts (efficacy; stale)", "Cost of absorbing an update (s per round)"
    if not summary.get("updates"):
        return [_not_measured(adapt, "updates.rounds is off in this run"), _not_measured(cost, "updates.rounds is off in this run")]
    cfg = summary["run_info"]["config"]
    group = verdict_fact_group(summary)
    pooled = pooled_update_rates(rows, cfg["eval"]["bootstrap_samples"], summary["run_info"]["seed"], group)
    if not (side_arm(RAG, pooled) and any(side_of(a) == FINETUNE for a in pooled)):  # no changed fact of that group
        group, pooled = "all", pooled_update_rates(rows, cfg["eval"]["bootstrap_samples"], summary["run_info"]["seed"])
    rag, probe = side_arm(RAG, pooled), side_arm(HYBRID, pooled)
    strategies = {a: p for a, p in pooled.items() if side_of(a) == FINETUNE}
    if rag is None or not strategies:
        why = "needs the rag arm and a fine-tune strategy in the update rounds"
        return [_not_measured(adapt, why), _not_measured(cost, why)]
    best = max(strategies, key=lambda a: strategies[a]["efficacy"])

    def cell(arm: str) -> str:
        p = pooled[arm]
        rounds = f"{p['rounds']} round{'s' if p['rounds'] != 1 else ''}"
        return f"{rate_text(p, 'efficacy')}; stale {pct_text(p.get('stale_rate'))} ({rounds})"

    ft_cells = "; ".join(f"{a}: {cell(a)}" for a in strategies)
    hybrid = f"passage wins {cell(probe)}" if probe else "–"
    adapt_row = VerdictRow(
        adapt, cell(rag), ft_cells, hybrid, by_interval(pooled[rag], pooled[best], "efficacy"),
        f"`efficacy` pooled over the rounds, gate aside, {rag} vs the best strategy ({best}), 95% intervals; "
        f"changed facts counted: {FACT_GROUPS[group][1]}",
    )
    absorb = _absorb_per_round(summary)
    trained = [a for a in absorb if a in strategies]
    cheapest = min(trained, key=absorb.get)
    cost_row = VerdictRow(
        cost, f"{seconds_text(absorb[rag])} (re-index changed documents)",
        "; ".join(f"{a}: {seconds_text(absorb[a])}" for a in trained),
        "the adapter is not retrained; the index update is rag's", by_cost(absorb[rag], absorb[cheapest]),
        f"`absorb_seconds`, {rag} vs the cheapest strategy ({cheapest}), at least {COST_FACTOR}x apart",
    )
    return [adapt_row, cost_row]


def _deletion_row(summary: dict) -> VerdictRow:
    aspect = "Removing data (leak after deletion; cost)"
    deletions = summary.get("deletions")
    if not deletions:
        return _not_measured(aspect, "updates.deletions is off in this run")
    names = side_names(deletions["arms"])
    rag, full, _ = sides(deletions["arms"])
    if not rag or not full:
        return _not_measured(aspect, "needs the rag arm and a retraining in the deletions")

    def cell(arm: dict, how: str) -> str:
        return f"leak {rate_text(arm, 'leak_rate')}; {seconds_text(arm['absorb_seconds'])} {how}"

    favours = by_interval(rag, full, "leak_rate")
    basis = f"`leak_rate`, {names[0]} vs {names[1]}, 95% intervals"
    if favours == TIE:
        favours = by_cost(rag["absorb_seconds"], full["absorb_seconds"])
        basis = f"`leak_rate` of {names[0]} vs {names[1]} tied within the intervals; then `absorb_seconds`, at least {COST_FACTOR}x apart"
    return VerdictRow(aspect, cell(rag, "to drop the chunks"), cell(full, "to retrain without the documents"), f"as {names[0]} plus {names[1]}", favours, basis)


def _gate_aside(arms: dict) -> dict:
    """The arms' records with `accuracy` over their own answers: the reader's where a gate answered
    instead (`reader_accuracy`). The fact-group accuracies are gate aside already."""
    return {
        name: {**record, "accuracy": record["reader_accuracy"], "accuracy_ci": record["reader_accuracy_ci"]} if "reader_accuracy" in record else record
        for name, record in arms.items()
    }


def _accuracy_row(summary: dict) -> VerdictRow:
    """Accuracy on the answers each approach gives (a gate's refusals are the abstention row's
    business), over the fact group the verdict decides on; the other group is shown beside it."""
    group = verdict_fact_group(summary)
    key, over = FACT_GROUPS[group]
    arms = _gate_aside(summary["arms"])
    other = next((FACT_GROUPS[g] for g in ("documents", "trained") if g != group and FACT_GROUPS[g][0] in (sides(arms)[0] or {})), None)
    row = _rate_row(arms, "Accuracy on the corpus", key, extra=None)
    if row.favours == "not measured":
        return row
    note = f"; over {over}; gate aside (the reader's own answers; what the gate costs is under abstention)"
    if other:
        note += f"; {other[1].split(' (')[0]}: " + ", ".join(
            f"{n} {rate_text(arms[n], other[0])}" for n in side_names(arms)[:2] if n and other[0] in arms[n]
        )
    return VerdictRow(row.aspect, row.rag, row.finetune, row.hybrid, row.favours, row.basis + note)


def _latency_cell(arm: dict) -> str:
    refused = f"; {arm['refused']} refused by the gate" if arm.get("refused") else ""
    return f"{arm['latency_ms']['p50']:.0f} / {arm['latency_ms']['p95']:.0f} ms{refused}"


def verdict_rows(summary: dict, rows: list[dict]) -> list[VerdictRow]:
    arms = summary["arms"]
    return [
        _accuracy_row(summary),
        *_update_rows(summary, rows),
        _deletion_row(summary),
        _per_query_cost_row(
            arms, "Latency per query (p50 / p95)", lambda a: a["latency_ms"]["p50"], _latency_cell,
            "`latency_ms` p50 over the answerable questions each arm answered (a refusal costs nothing and is counted apart)",
        ),
        _per_query_cost_row(
            arms, "Prompt tokens per query", lambda a: a["prompt_tokens"], lambda a: f"{a['prompt_tokens']:.0f}",
            "`prompt_tokens` mean over the answerable questions each arm answered",
        ),
        _setup_row(summary),
        _rate_row(
            arms, "Transparency (a right answer with a gold source shown)", "attribution",
            note="; the source shown is the retrieved passages for an arm that reads them (by construction), the title "
            "the answer cites for one that does not (lora learned to cite in training); whether the reader itself writes a "
            "citation is `citation_accuracy` under Beyond recall",
        ),
        _rate_row(
            arms, "Customization (house answer style)", "style_adherence",
            note="; rag depends on the reader following the prompt's style instruction, lora learned the style in training",
        ),
        _abstention_row(summary),
        _rate_row(arms, "Retained general knowledge", "general_knowledge", note=_general_note(summary)),
    ]


def _abstention_row(summary: dict) -> VerdictRow:
    """RAG abstains through its retrieval-confidence gate when the run has one, else only when the
    reader follows the prompt's instruction; the fine-tune abstains as trained on other topics."""
    gate = summary.get("gate") or {}
    names = side_names(summary["arms"])
    if gate.get("threshold") is not None:
        how = f"{names[0]} through its retrieval-confidence gate (best passage score below {gate['threshold']:.3f}, {gate['how']})"
        reader = (summary["arms"].get(names[0]) or {}).get("reader_abstention_rate")
        alone = f"; its reader alone, following the prompt's instruction, abstains {pct_text(reader)}" if reader is not None else ""
    else:
        how, alone = f"{names[0]} only when the reader follows the prompt's instruction (no gate: {gate.get('how', 'not recorded')})", ""
    rag = summary["arms"].get(names[0]) or {}
    cost = (
        f"; the gate turns away {pct_text(rag['gate_false_abstention_rate'])} of the answerable questions "
        f"({names[0]}'s accuracy {pct_text(rag['reader_accuracy'])} without it, {pct_text(rag['accuracy'])} with it; "
        "the trade at each threshold is under Beyond recall)"
        if "gate_false_abstention_rate" in rag and "reader_accuracy" in rag else ""
    )
    note = f"; {how}{alone}{cost}; {names[1]} as trained on unanswerable train topics{_topics_note(summary)}"
    return _rate_row(summary["arms"], "Knowing what it doesn't know (abstains when unanswerable)", "abstention_rate", extra="false_abstention_rate", note=note)


def _topics_note(summary: dict) -> str:
    topics = (summary["meta_info"].get("corpus") or {}).get("unanswerable_topics")
    if not topics:
        return ""
    return f" ({topics['seen_in_training']} of the {topics['eval_topics']} eval topics seen in training)"


def _general_note(summary: dict) -> str:
    controls = summary.get("controls") or {}
    if not controls.get("general_reference"):
        return ""
    return f", over the {controls['general_kept']} of {controls['general_candidates']} world-knowledge questions `{controls['general_reference']}` answers"


def verdict_tally(verdict: list[VerdictRow]) -> str:
    """One line a newcomer can read first: how many aspects each side won."""
    counts = {side: sum(v.favours == side for v in verdict) for side in (RAG, FINETUNE, TIE, "not measured")}
    return (
        f"Of {len(verdict)} aspects, the measurement favours RAG on {counts[RAG]}, fine-tuning on {counts[FINETUNE]}, "
        f"and calls {counts[TIE]} a tie" + (f"; {counts['not measured']} not measured in this run." if counts["not measured"] else ".")
    )


def verdict_table(summary: dict, rows: list[dict]) -> str:
    """The tally, the table, and under it one line on what limits the run (eval/report/limits.py)."""
    verdict = verdict_rows(summary, rows)
    names = [n or "–" for n in side_names(summary["arms"])]
    header = f"| aspect | RAG ({names[0]}) | fine-tune ({names[1]}) | {HYBRID} ({names[2]}) | favours | how decided |"
    lines = [verdict_tally(verdict), "", header, "|---|---|---|---|---|---|"]
    for v in verdict:
        lines.append(f"| {v.aspect} | {v.rag} | {v.finetune} | {v.hybrid} | **{v.favours}** | {v.basis} |")
    return "\n".join([*lines, "", f"*{measured_on(summary)}*", "", f"*{limits(summary).footnote}*"])

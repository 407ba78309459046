"""The measured verdict: one row per aspect the "RAG vs fine-tuning" tables argue about, the numbers
behind the RAG side and the fine-tune side (the arms the catalogue says stand for them: `rag`,
`lora` or the best update strategy), hybrid beside them, and which side the measurement favours.

How a side is favoured is eval/report/verdict_rules.py; the update and deletion rows are
eval/report/verdict_updates.py.

Built from the run directory alone (summary.json and the prediction rows), like the rest of the report.
"""

from __future__ import annotations

from dataclasses import replace

from eval.catalogue import FINETUNE, HYBRID, METRICS, RAG, WHOLE_CORPUS_SIDE, side_of
from eval.report.format import seconds_text
from eval.report.limits import limits
from eval.report.questions import FACT_GROUPS, measured_on, verdict_fact_group
from eval.report.evidence import RunScores
from eval.report.verdict_rules import (
    COST_FACTOR, TIE, VerdictRow, by_cost, by_difference, context_name, how_compared, not_measured, pct_text, rate_text,
    side_names, sides, versus_cell,
)
from eval.report.whole_corpus import not_fit_text, prefix_text
from eval.scoring.paired import Difference
from eval.report.verdict_updates import deletion_row, update_rows


def _rate_row(
    arms: dict, scores: RunScores, aspect: str, key: str, *, note: str = "", extra: str | None = None, gate_aside: bool = False,
) -> VerdictRow:
    """`extra`: a second rate shown in each cell; `note`: what else the reader of the row must know;
    `gate_aside`: an arm behind the confidence gate is compared on its reader's own answers."""
    rag, lora, hybrid = sides(arms)
    if not rag or not lora or key not in rag or key not in lora:
        return not_measured(aspect, f"needs `{key}` on both the rag and lora arms")
    names = side_names(arms)

    def key_of(name: str) -> str:
        return "reader_accuracy" if gate_aside and key == "accuracy" and "reader_accuracy" in arms[name] else key

    def versus(name: str | None) -> Difference | None:
        return scores.difference(names[0], name, key_of(names[0]), key_of(name)) if name else None

    diff, hybrid_diff = versus(names[1]), versus(names[2])
    if diff is None:
        return not_measured(aspect, f"the prediction rows hold no `{key}` scores for {names[0]} and {names[1]}")
    whole = context_name(arms)
    whole_diff = versus(whole) if whole and key in arms[whole] else None

    def cell(arm: dict | None, name: str | None) -> str:
        if not arm:
            return "–"
        record = {key: arm[key_of(name)], f"{key}_ci": arm[f"{key_of(name)}_ci"]} if key_of(name) in arm else None
        text = rate_text(record, key)
        return f"{text}; {METRICS[extra].label} {pct_text(arm[extra])}" if extra and extra in arm else text

    hybrid_cell = versus_cell(cell(hybrid, names[2]), hybrid_diff, names[0])
    whole_cell = versus_cell(cell(arms.get(whole), whole), whole_diff, names[0]) if whole else "–"
    basis = f"`{key}`, {how_compared(diff, names[:2])}{note}"
    return VerdictRow(
        aspect, cell(rag, names[0]), cell(lora, names[1]), hybrid_cell, by_difference(diff, key), basis, diff, hybrid_diff,
        whole_cell, whole_diff,
    )


def _per_query_cost_row(arms: dict, aspect: str, value, text, basis: str) -> VerdictRow:
    """A cost every answer pays, lower is better: `value(arm)` decides, `text(arm)` is the cell."""
    rag, lora, hybrid = sides(arms)
    if not rag or not lora:
        return not_measured(aspect, "needs the rag and lora arms")
    cells = [text(a) if a else "–" for a in (rag, lora, hybrid)]
    names, whole = side_names(arms), arms.get(context_name(arms))
    return VerdictRow(
        aspect, *cells, by_cost(value(rag), value(lora)), f"{basis}, {names[0]} vs {names[1]}, at least {COST_FACTOR}x apart",
        context=text(whole) if whole else "–",
    )


def _setup_row(summary: dict) -> VerdictRow:
    aspect = "Set-up cost (index vs training)"
    index, train = summary.get("index"), (sides(summary["arms"])[1] or {}).get("train")
    if not index or index.get("build_seconds") is None or not train:
        return not_measured(aspect, "needs an index built by this run dir and a trained adapter (`ragvsft run`)")
    rag = f"{seconds_text(index['build_seconds'])} to chunk and index {index['chunks']} chunks ({index.get('retriever', 'dense')}); {index['size_mb']:.1f} MB"
    finetune = (
        f"{seconds_text(train['seconds'])} training on {train['tokens']:,} tokens; adapter {train['adapter_mb']:.1f} MB; "
        f"peak RSS {train['peak_rss_mb']:.0f} MB"
    )
    reader = (sides(summary["arms"])[2] or {}).get("train")
    after = " after the fine-tune's (it continues that adapter)" if summary["run_info"]["config"].get("raft", {}).get("from_closed_book") else ""
    hybrid = f"the index plus {seconds_text(reader['seconds'])} training on {reader['tokens']:,} tokens (passages in every prompt){after}" if reader else "–"
    favours = by_cost(index["build_seconds"], train["seconds"])
    prefix = (summary["arms"].get(context_name(summary["arms"])) or {}).get("prefix")
    return VerdictRow(
        aspect, rag, finetune, hybrid, favours, f"wall seconds, index build vs LoRA training, at least {COST_FACTOR}x apart",
        context=f"no index, no training: the corpus prompt's {prefix_text(prefix)}" if prefix else "–",
    )


def _accuracy_row(summary: dict, scores: RunScores) -> VerdictRow:
    """Accuracy on the answers each approach gives (a gate's refusals are the abstention row's
    business), over the fact group the verdict decides on; the other group is shown beside it."""
    group = verdict_fact_group(summary)
    key, over = FACT_GROUPS[group]
    arms = summary["arms"]
    other = next((FACT_GROUPS[g] for g in ("documents", "trained") if g != group and FACT_GROUPS[g][0] in (sides(arms)[0] or {})), None)
    row = _rate_row(arms, scores, "Accuracy on the corpus", key, gate_aside=True)
    if row.favours == "not measured":
        return row
    note = f"; over {over}; gate aside (the reader's own answers; what the gate costs is under abstention)"
    if other:
        note += f"; {other[1].split(' (')[0]}: " + ", ".join(
            f"{n} {rate_text(arms[n], other[0])}" for n in side_names(arms)[:2] if n and other[0] in arms[n]
        )
    return replace(row, basis=row.basis + note)


def _latency_cell(arm: dict) -> str:
    refused = f"; {arm['refused']} refused by the gate" if arm.get("refused") else ""
    once = f"; plus {seconds_text(arm['prefix']['build_seconds'])} once, to compute the corpus" if arm.get("prefix") else ""
    return f"{arm['latency_ms']['p50']:.0f} / {arm['latency_ms']['p95']:.0f} ms{refused}{once}"


def _prompt_tokens_cell(arm: dict) -> str:
    cached = f" ({arm['cached_prompt_tokens']:.0f} of them read from the cache)" if arm.get("cached_prompt_tokens") else ""
    return f"{arm['prompt_tokens']:.0f}{cached}"


def verdict_rows(summary: dict, rows: list[dict]) -> list[VerdictRow]:
    arms, scores = summary["arms"], RunScores(summary, rows)
    return [
        _accuracy_row(summary, scores),
        *update_rows(summary, rows),
        deletion_row(summary, rows),
        _per_query_cost_row(
            arms, "Latency per query (p50 / p95)", lambda a: a["latency_ms"]["p50"], _latency_cell,
            "`latency_ms` p50 over the answerable questions each arm answered (a refusal costs nothing and is counted apart)",
        ),
        _per_query_cost_row(
            arms, "Prompt tokens per query", lambda a: a["prompt_tokens"], _prompt_tokens_cell,
            "`prompt_tokens` mean over the answerable questions each arm answered (what a provider bills without prompt "
            "caching; one with it bills the cached tokens at its cached rate)",
        ),
        _setup_row(summary),
        _rate_row(
            arms, scores, "Transparency (a right answer with a gold source shown)", "attribution",
            note="; the source shown is the retrieved passages for an arm that reads them (by construction), the title "
            "the answer cites for one that does not (lora learned to cite in training); whether the reader itself writes a "
            "citation is `citation_accuracy` under Beyond recall",
        ),
        _rate_row(
            arms, scores, "Customization (house answer style)", "style_adherence",
            note="; rag depends on the reader following the prompt's style instruction, lora learned the style in training",
        ),
        _abstention_row(summary, scores),
        _rate_row(arms, scores, "Retained general knowledge", "general_knowledge", note=_general_note(summary)),
    ]


def third_option_note(summary: dict) -> str:
    """What the whole-corpus column is: neither side, shown beside them; or why it is empty."""
    unfit = next(((n, r) for n, r in (summary.get("not_run") or {}).items() if side_of(n) == WHOLE_CORPUS_SIDE), None)
    if unfit:
        return f"The whole corpus in the prompt: {not_fit_text(*unfit)}; not decided by this evidence."
    whole = context_name(summary["arms"])
    if not whole:
        return "The whole corpus in the prompt: not measured in this run (add `context` to eval.arms)."
    return (
        f"The whole corpus in the prompt (`{whole}`) is the third option, neither side: its cells show its numbers and, on a "
        "rate, its difference from RAG's paired on the same questions with the 95% interval; `favours` stays RAG against fine-tuning."
    )


def gate_trade_text(gate: dict) -> str:
    """The calibrated gate's out-of-sample trade, in words ('' when it was not cross-fitted)."""
    held = (gate.get("calibration") or {}).get("held_out")
    if not held:
        return ""
    return (
        f"out of sample it gains {pct_text(held['abstention_gained'])} of abstention on the unanswerable questions "
        f"and costs the reader {pct_text(held['accuracy_lost'])} of accuracy on the answerable ones (net {pct_text(held['net_gain'])})"
    )


def _abstention_row(summary: dict, scores: RunScores) -> VerdictRow:
    """RAG abstains through its retrieval-confidence gate when the run has one, else only when the
    reader follows the prompt's instruction; the fine-tune abstains as trained on other topics."""
    gate = summary.get("gate") or {}
    names = side_names(summary["arms"])
    trade = gate_trade_text(gate)
    if gate.get("threshold") is not None or gate.get("per_question"):
        how = f"{names[0]} through its retrieval-confidence gate ({gate['how']}{'; ' + trade if trade else ''})"
        reader = (summary["arms"].get(names[0]) or {}).get("reader_abstention_rate")
        alone = f"; its reader alone, following the prompt's instruction, abstains {pct_text(reader)}" if reader is not None else ""
    else:
        off = f"{gate.get('how', 'not recorded')}{': ' + trade if trade else ''}"
        how, alone = f"{names[0]} only when the reader follows the prompt's instruction (no gate: {off})", ""
    rag = summary["arms"].get(names[0]) or {}
    cost = (
        f"; the gate turns away {pct_text(rag['gate_false_abstention_rate'])} of the answerable questions "
        f"({names[0]}'s accuracy {pct_text(rag['reader_accuracy'])} without it, {pct_text(rag['accuracy'])} with it; "
        "the trade at each threshold is under Beyond recall)"
        if "gate_false_abstention_rate" in rag and "reader_accuracy" in rag else ""
    )
    reader = f"; {names[2]} as trained on passages that do not answer (no gate)" if names[2] else ""
    note = f"; {how}{alone}{cost}; {names[1]} as trained on unanswerable train topics{_topics_note(summary)}{reader}"
    return _rate_row(summary["arms"], scores, "Knowing what it doesn't know (abstains when unanswerable)", "abstention_rate", extra="false_abstention_rate", note=note)


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
    whole = context_name(summary["arms"]) or next((n for n in (summary.get("not_run") or {}) if side_of(n) == WHOLE_CORPUS_SIDE), "–")
    header = (
        f"| aspect | RAG ({names[0]}) | fine-tune ({names[1]}) | {HYBRID} ({names[2]}) | {WHOLE_CORPUS_SIDE} ({whole}) "
        "| fine-tune minus RAG, points | favours | how decided |"
    )
    lines = [verdict_tally(verdict), "", header, "|---|---|---|---|---|---|---|---|"]
    for v in verdict:
        lines.append(f"| {v.aspect} | {v.rag} | {v.finetune} | {v.hybrid} | {v.context} | {v.difference_cell()} | **{v.favours}** | {v.basis} |")
    notes = [measured_on(summary), third_option_note(summary), limits(summary, rows).footnote]
    return "\n".join(lines) + "\n\n" + "\n\n".join(f"*{n}*" for n in notes)

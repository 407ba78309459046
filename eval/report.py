"""Render report.md from summary.json alone, so any finished run can be re-reported."""

from __future__ import annotations


def pct(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{100 * value:.1f}{unit}"


def rate_cell(arm: dict | None, key: str, unit: str = "") -> str:
    """`41.5 [34.6, 48.3]`: a rate in % with its 95% interval; `unit` follows the value."""
    if not arm or key not in arm:
        return "–"
    lo, hi = arm[f"{key}_ci"]
    return f"{pct(arm[key], unit)} [{pct(lo)}, {pct(hi)}]"


def arms_table(summary: dict) -> str:
    """Arms x metrics as a Markdown table (rates in %, with 95% bootstrap intervals)."""
    header = (
        "| arm | n | accuracy % [95% CI] | exact match % | F1 % | recall@k % [95% CI] | MRR | "
        "latency p50 ms | latency p95 ms | prompt tokens | output tokens |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for name, arm in summary["arms"].items():
        lat = arm["latency_ms"]
        mrr = f"{arm['mrr']:.3f}" if "mrr" in arm else "–"
        lines.append(
            f"| {name} | {arm['n']} | {rate_cell(arm, 'accuracy')} | {pct(arm['exact_match'])} | {pct(arm['f1'])} | "
            f"{rate_cell(arm, 'recall_at_k')} | {mrr} | {lat['p50']:.0f} | {lat['p95']:.0f} | "
            f"{arm['prompt_tokens']:.0f} | {arm['output_tokens']:.1f} |"
        )
    return "\n".join(lines)


BEHAVIOURS = {
    "style_adherence": "style %",
    "abstention_rate": "abstains when unanswerable %",
    "false_abstention_rate": "abstains when answerable %",
    "citation_accuracy": "cites a gold document %",
    "general_knowledge": "general knowledge %",
}


def behaviours_section(summary: dict) -> list[str]:
    """Beyond recall: house style, abstention, citations and retained general knowledge, per arm."""
    arms = summary["arms"]
    shown = [key for key in BEHAVIOURS if any(key in arm for arm in arms.values())]
    if not shown:
        return []
    controls = summary.get("controls", {})
    lines = [
        "## Beyond recall",
        "",
        "| arm | " + " | ".join(f"{BEHAVIOURS[k]} [95% CI]" for k in shown) + " |",
        "|---|" + "---|" * len(shown),
    ]
    for name, arm in arms.items():
        lines.append(f"| {name} | " + " | ".join(rate_cell(arm, k) for k in shown) + " |")
    lines += [
        "",
        "Style: the answer has the corpus's house layout (`house_style.json`) with a real document title, checked "
        "by a pattern, on the answerable questions. Abstention: the answer contains the abstention phrase, on "
        f"{controls.get('unanswerable', 0)} questions no document answers (and, as false abstention, on the "
        "answerable ones). Citations: the answer cites (`[2]` or `[Title]`) at least one document and only gold "
        "ones; an arm without passages can only cite a title from memory. General knowledge: "
        + (
            f"{controls['general_kept']} of {controls['general_candidates']} world-knowledge questions, those the "
            "base model answers correctly (so `base` is 100% by construction)."
            if controls.get("general_reference") == "base"
            else f"all {controls.get('general_candidates', 0)} world-knowledge questions (the base arm did not run)."
        ),
        "",
    ]
    return lines


def seeds_section(summary: dict) -> list[str]:
    """The fine-tune arms' rates per training seed, with mean and sample standard deviation."""
    seeds = summary.get("seeds")
    if not seeds:
        return []
    lines = [
        "## Seeds",
        "",
        f"The fine-tune arms trained and evaluated once per seed ({', '.join(map(str, seeds['seeds']))}); the "
        "tables above show the first. Spread is the sample standard deviation across seeds, in points.",
        "",
        "| arm | metric | " + " | ".join(f"seed {s} %" for s in seeds["seeds"]) + " | mean % | spread |",
        "|---|---|" + "---|" * (len(seeds["seeds"]) + 2),
    ]
    for arm, by_metric in seeds["arms"].items():
        for name, m in by_metric.items():
            cells = " | ".join(pct(v) for v in m["per_seed"])
            lines.append(f"| {arm} | {name} | {cells} | {pct(m['mean'])} | {pct(m['std'])} |")
    return [*lines, ""]


def finetune_section(summary: dict) -> list[str]:
    """Cost of the fine-tune arm: training and the latency of an unmerged adapter."""
    lora = summary["arms"].get("lora", {})
    if "train" not in lora:
        return []
    t, lat = lora["train"], lora["merge_latency"]
    merged = f"{lat['merged_ms']:.0f} ms merged vs " if "merged_ms" in lat else ""
    return [
        "## Fine-tuning cost",
        "",
        "| training examples | tokens | steps | seconds | tokens/s | peak RSS MB | final loss | trainable params | adapter MB |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {t['examples']} | {t['tokens']} | {t['steps']} | {t['seconds']:.0f} | {t['tokens_per_s']:.0f} | "
        f"{t['peak_rss_mb']:.0f} | {t['final_loss']:.3f} | {t['trainable_params']:,} | {t['adapter_mb']:.1f} |",
        "",
        f"Adapter {'reused from an earlier run with identical inputs' if t['reused'] else 'trained in this run'}. "
        f"Generation with the adapter, per question on {lat['questions']} questions: "
        f"{merged}{lat['unmerged_ms']:.0f} ms unmerged. The loss curve is in `summary.json` "
        "(`arms.lora.train.loss_curve`).",
        "",
    ]


def _seconds(arm: dict) -> str:
    return f"{arm['absorb_seconds']:.1f}" if "absorb_seconds" in arm else "–"


def updates_section(summary: dict) -> list[str]:
    """Per round: what absorbing the change cost each arm and how well it took."""
    updates = summary.get("updates")
    if not updates:
        return []
    lines = [
        "## Knowledge updates",
        "",
        "Per round: `absorb s` is the wall time to make the change live (RAG: re-embed the changed documents and "
        "update the index; fine-tune: training). `efficacy` is accuracy on the changed facts' eval phrasings "
        "against the new answers, `stale` the share still giving an old value, `locality` accuracy on "
        f"{updates['locality_questions']} eval questions about facts no round touches, `before` the same arm on "
        "the changed facts before the change. `hybrid` is the conflict probe: the adapter trained on the old "
        "values reading the updated index (efficacy: the passage wins; stale: the weights win). "
        f"`lora_full` ran on: {', '.join(updates['full_rounds']) or 'no round'}"
        f"{' (on the last round, one retraining absorbs the round and the deletions)' if _retrain_shared(summary) else ''}.",
        "",
    ]
    for rnd in updates["rounds"]:
        lines += [
            f"### {rnd['name']}: {rnd['changed_facts']} changed facts, {rnd['changed_questions']} eval questions",
            "",
            "| arm | absorb s | efficacy % [95% CI] | stale % [95% CI] | locality % [95% CI] | before % [95% CI] |",
            "|---|---|---|---|---|---|",
        ]
        for name, arm in rnd["arms"].items():
            lines.append(
                f"| {name} | {_seconds(arm)} | {rate_cell(arm, 'efficacy')} | {rate_cell(arm, 'stale_rate')} | "
                f"{rate_cell(arm, 'locality')} | {rate_cell(arm, 'accuracy_before')} |"
            )
        lines.append("")
    return lines


def deletions_section(summary: dict) -> list[str]:
    deletions = summary.get("deletions")
    if not deletions:
        return []
    lines = [
        "## Deletions",
        "",
        f"Deleted documents: {', '.join(deletions['documents'])} ({deletions['questions']} eval questions about them). "
        "`leak` is the share of those questions still answered with the deleted value. RAG drops the documents' "
        "chunks from the index; weights cannot be edited cheaply, so the fine-tune forgets only by retraining "
        "from the base model without the documents (`lora_full`), and `absorb s` is what that cost"
        f"{SHARED_RETRAIN_NOTE if _retrain_shared(summary) else ''}.",
        "",
        "| arm | absorb s | leak % [95% CI] | locality % [95% CI] |",
        "|---|---|---|---|",
    ]
    for name, arm in deletions["arms"].items():
        lines.append(f"| {name} | {_seconds(arm)} | {rate_cell(arm, 'leak_rate')} | {rate_cell(arm, 'locality')} |")
    return [*lines, ""]


SHARED_RETRAIN_NOTE = " (one retraining with the last update round's `lora_full`: it absorbed both at once)"


def _retrain_shared(summary: dict) -> bool:
    """Whether the last round's `lora_full` retraining also absorbed the deletions."""
    return bool(summary.get("deletions", {}).get("arms", {}).get("lora_full", {}).get("same_retrain_as_last_round"))


def render_sweep(record: dict) -> str:
    """The sweep as a Markdown table: one row per value, rates in % with 95% intervals."""
    points = record["points"]
    rates = [k for k in ("accuracy", "recall_at_k", *BEHAVIOURS) if any(k in p for p in points)]
    header = f"| {record['key']} | " + " | ".join(f"{k} % [95% CI]" for k in rates) + " | latency p50 ms | prompt tokens |"
    lines = [
        f"# Sweep: `{record['key']}` on the {record['arm']} arm ({record['config']})",
        "",
        header,
        "|" + "---|" * (header.count("|") - 1),
    ]
    for p in points:
        cells = " | ".join(rate_cell(p, k) for k in rates)
        lines.append(f"| {p['value']} | {cells} | {p['latency_p50_ms']:.0f} | {p['prompt_tokens']:.0f} |")
    return "\n".join(lines) + "\n"

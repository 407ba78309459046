"""Render report.md from summary.json alone, so any finished run can be re-reported."""

from __future__ import annotations


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _rate(arm: dict, key: str) -> str:
    if key not in arm:
        return "–"
    lo, hi = arm[f"{key}_ci"]
    return f"{_pct(arm[key])} [{_pct(lo)}, {_pct(hi)}]"


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
            f"| {name} | {arm['n']} | {_rate(arm, 'accuracy')} | {_pct(arm['exact_match'])} | {_pct(arm['f1'])} | "
            f"{_rate(arm, 'recall_at_k')} | {mrr} | {lat['p50']:.0f} | {lat['p95']:.0f} | "
            f"{arm['prompt_tokens']:.0f} | {arm['output_tokens']:.1f} |"
        )
    return "\n".join(lines)


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


def render_markdown(summary: dict) -> str:
    run, meta = summary["run_info"], summary["meta_info"]
    cfg = run["config"]
    return "\n".join(
        [
            f"# rag-vs-finetune: {run['name']}",
            "",
            f"Model `{meta['model']['name']}` on {meta['device']} ({meta['dtype']}, {meta['threads']} threads); "
            f"embedder `{meta['embedder']}`; corpus `{cfg['corpus']['dir']}`, split `{cfg['eval']['split']}`; "
            f"top_k {cfg['rag']['top_k']}, chunks of {cfg['rag']['chunk_size']} words; seed {run['seed']}.",
            "",
            "## Arms",
            "",
            arms_table(summary),
            "",
            "Accuracy: an accepted answer appears in the normalized output. Latency is per question: each batch's "
            "wall time is shared equally by its questions, plus retrieval time. Intervals are 95% bootstrap "
            f"percentile intervals over questions. Run from {run['started']} to {run['finished']}, "
            f"git {meta['git_hash'] or 'unknown'}.",
            "",
            *finetune_section(summary),
        ]
    )

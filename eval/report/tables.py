"""The report's tables, each from summary.json alone, with columns taken from the metric catalogue."""

from __future__ import annotations

from eval.catalogue import METRICS, UPDATE_METRICS, Metric, metrics_in
from eval.report.format import markdown_table, pct, rate_cell, seconds_text


def metric_header(metric: Metric) -> str:
    unit = f" {metric.unit}" if metric.unit else ""
    return f"{metric.label}{unit}" + (" [95% CI]" if metric.interval else "")


def metric_cell(metric: Metric, record: dict) -> str:
    """One arm's value of one metric, written as its catalogue entry says."""
    if metric.name not in record:
        return "–"
    if metric.interval:
        return rate_cell(record, metric.name)
    value = record[metric.name]
    if metric.summary == "percentiles":
        return f"{value['p50']:.0f} / {value['p95']:.0f}"
    if metric.unit == "%":
        return pct(value)
    return f"{value:.3f}" if value <= 1 else f"{value:.1f}"  # an MRR, or a count such as tokens


def arms_table(summary: dict) -> str:
    """Arms x the catalogue's answer and cost metrics (rates in %, with 95% bootstrap intervals)."""
    shown = [m for m in (*metrics_in("answer"), *metrics_in("cost")) if any(m.name in a for a in summary["arms"].values())]
    rows = [[name, str(arm["n"]), *(metric_cell(m, arm) for m in shown)] for name, arm in summary["arms"].items()]
    return markdown_table(["arm", "n", *(metric_header(m) for m in shown)], rows)


def shown_behaviours(arms: dict) -> list[Metric]:
    return [m for m in metrics_in("behaviour") if any(m.name in arm for arm in arms.values())]


def behaviours_table(summary: dict) -> str | None:
    """Beyond recall: house style, abstention, citations and retained general knowledge, per arm."""
    shown = shown_behaviours(summary["arms"])
    if not shown:
        return None
    rows = [[name, *(metric_cell(m, arm) for m in shown)] for name, arm in summary["arms"].items()]
    return markdown_table(["arm", *(metric_header(m) for m in shown)], rows)


def retrieval_table(summary: dict) -> str | None:
    """The retriever's ranking on its own: recall@k and MRR at depth, and search time per query."""
    r = summary.get("retrieval")
    if not r:
        return None
    cutoffs = [k for k in r if k.startswith("recall@")]
    mrr = next(k for k in r if k.startswith("mrr@"))
    header = ["retriever", "questions", *(f"{k} %" for k in cutoffs), mrr, "ms per query"]
    return markdown_table(header, [[r["retriever"], r["questions"], *(pct(r[k]) for k in cutoffs), f"{r[mrr]:.3f}", f"{r['ms_per_query']:.1f}"]])


def seeds_table(summary: dict) -> str | None:
    """The fine-tune arms' rates per training seed, with mean and sample standard deviation."""
    seeds = summary.get("seeds")
    if not seeds:
        return None
    rows = [
        [arm, name, *(pct(v) for v in m["per_seed"]), pct(m["mean"]), pct(m["std"])]
        for arm, by_metric in seeds["arms"].items()
        for name, m in by_metric.items()
    ]
    return markdown_table(["arm", "metric", *(f"seed {s} %" for s in seeds["seeds"]), "mean %", "spread"], rows)


def training_table(arms: dict) -> str:
    """One row per arm that holds a training record: what its adapter cost to train."""
    header = ["arm", "training examples", "tokens", "steps", "seconds", "tokens/s", "peak RSS MB", "final loss", "trainable params", "adapter MB"]
    rows = [
        [
            name, train["examples"], train["tokens"], train["steps"], f"{train['seconds']:.0f}", f"{train['tokens_per_s']:.0f}",
            f"{train['peak_rss_mb']:.0f}", f"{train['final_loss']:.3f}", f"{train['trainable_params']:,}", f"{train['adapter_mb']:.1f}",
        ]
        for name, train in ((n, a["train"]) for n, a in arms.items() if "train" in a)
    ]
    return markdown_table(header, rows)


def raft_cost_text(arms: dict) -> str | None:
    """What the retrieval-augmented set costs against the closed-book one: passages in every prompt."""
    trained = {n: a["train"] for n, a in arms.items() if "train" in a}
    reader = next((n for n, t in trained.items() if "raft" in t), None)
    closed = next((n for n, t in trained.items() if "raft" not in t), None)
    if reader is None:
        return None
    made = trained[reader]["raft"]
    text = (
        f"`{reader}`'s set: {made['raft_gold']} train questions with the gold passage among {made['passages']} shown, "
        f"{made['raft_distractors']} with distractors only, {made['raft_unanswerable']} unanswerable"
        + (f" ({made['no_gold_chunk']} left out: no chunk holds their answer whole)" if made["no_gold_chunk"] else "")
        + "."
    )
    if reading := made.get("reading_set"):
        text += (
            f" Reading practice: {made['raft_reading']} human questions on passages outside the corpus, from "
            f"`{reading['file']}` (sha256 {reading['sha256'][:12]})."
        )
    if closed:
        tokens = trained[reader]["tokens"] / max(trained[closed]["tokens"], 1)
        seconds = trained[reader]["seconds"] / max(trained[closed]["seconds"], 1e-9)
        text += f" Passages in every prompt: {tokens:.1f} times `{closed}`'s tokens, {seconds:.1f} times its training time."
    return text


def _stage_table(arms: dict, group: str) -> str:
    """Per arm of an update round (group "update") or the deletions ("deletion"): absorb time and its rates."""
    shown = [m for m in UPDATE_METRICS.values() if m.group == group or m.name == "locality"]
    rows = [[name, seconds_text(arm.get("absorb_seconds")), *(rate_cell(arm, m.name) for m in shown)] for name, arm in arms.items()]
    return markdown_table(["arm", "absorb", *(metric_header(m) for m in shown)], rows)


def round_table(rnd: dict) -> str:
    return _stage_table(rnd["arms"], "update")


def deletions_table(deletions: dict) -> str:
    return _stage_table(deletions["arms"], "deletion")


def retrain_shared(summary: dict) -> bool:
    """Whether the last round's from-scratch retraining also absorbed the deletions."""
    return any(arm.get("same_retrain_as_last_round") for arm in summary.get("deletions", {}).get("arms", {}).values())


def sweep_table(record: dict) -> str:
    """One row per value: the catalogue's rates in % with 95% intervals, the retriever's ranking
    when measured, latency and prompt tokens. A rate that is the same at every point is stated once
    below the table instead of filling a column."""
    points = record["points"]
    rates = [m for m in METRICS.values() if m.interval and any(m.name in p for p in points)]
    varying = [m for m in rates if len(points) == 1 or len({p.get(m.name) for p in points}) > 1]
    constant = [m for m in rates if m not in varying]
    depth_keys = [k for k in points[0].get("retrieval", {}) if k.startswith(("recall@", "mrr@"))] if all("retrieval" in p for p in points) else []
    header = [record["key"], *(metric_header(m) for m in varying), *(f"retrieval {k}" for k in depth_keys)]
    header += ["retrieval ms/query" for _ in depth_keys[:1]] + ["latency p50 ms", "prompt tokens"]
    rows = []
    for p in points:
        retrieval = p.get("retrieval", {})
        depth = [pct(retrieval[k]) if k.startswith("recall@") else f"{retrieval[k]:.3f}" for k in depth_keys]
        depth += [f"{retrieval['ms_per_query']:.1f}" for _ in depth_keys[:1]]
        rows.append([str(p["value"]), *(rate_cell(p, m.name) for m in varying), *depth, f"{p['latency_p50_ms']:.0f}", f"{p['prompt_tokens']:.0f}"])
    same = f"\n\nThe same at every point: {', '.join(f'{m.label} {pct(points[0][m.name], m.unit)}' for m in constant)}." if constant else ""
    return markdown_table(header, rows) + same

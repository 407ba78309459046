"""Compare two finished runs: per arm and rate, the difference B - A with a 95% bootstrap interval
(paired when both runs answered the same questions), plus latency and prompt tokens, and whether
each verdict row points the same way in both. Read from the run directories alone, e.g. CPU vs
GPU, two configs, two seeds, or the same documents asked synthesized and human questions."""

from __future__ import annotations

from pathlib import Path

from eval.report.format import markdown_table
from eval.report.verdict import verdict_rows
from eval.rundir import load_run, main_rows
from eval.scoring import metrics
from eval.scoring.harness import general_knowledge_kept, rate_scores


def _arm_scores(rows: list[dict], arm: str, general_ids: set[str] | None) -> dict[str, dict[str, float]]:
    return rate_scores([r for r in rows if r["arm"] == arm], arm, general_ids)


def compare_runs(run_a: Path, run_b: Path, *, samples: int = 1000, seed: int = 0) -> dict:
    (summary_a, all_a), (summary_b, all_b) = load_run(run_a), load_run(run_b)
    rows_a, rows_b = main_rows(all_a), main_rows(all_b)
    arms = [a for a in summary_a["arms"] if a in summary_b["arms"]]
    general_a, general_b = general_knowledge_kept(rows_a), general_knowledge_kept(rows_b)
    deltas = []
    for arm in arms:
        scores_a, scores_b = _arm_scores(rows_a, arm, general_a), _arm_scores(rows_b, arm, general_b)
        for name in [m for m in scores_a if m in scores_b]:
            a, b = scores_a[name], scores_b[name]
            ci, paired = metrics.bootstrap_difference_ci(a, b, samples=samples, seed=seed)
            mean_a, mean_b = sum(a.values()) / len(a), sum(b.values()) / len(b)
            deltas.append({"arm": arm, "metric": name, "a": mean_a, "b": mean_b, "delta": mean_b - mean_a, "delta_ci": ci, "paired": paired})
        for name, get in (("latency_p50_ms", lambda s: s["latency_ms"]["p50"]), ("prompt_tokens", lambda s: s["prompt_tokens"])):
            va, vb = get(summary_a["arms"][arm]), get(summary_b["arms"][arm])
            deltas.append({"arm": arm, "metric": name, "a": va, "b": vb, "delta": vb - va, "delta_ci": None, "paired": None})
    verdicts = [
        {"aspect": va.aspect, "a": va.favours, "b": vb.favours}
        for va, vb in zip(verdict_rows(summary_a, all_a), verdict_rows(summary_b, all_b))
    ]
    return {"a": str(run_a), "b": str(run_b), "arms_only_in_a": [a for a in summary_a["arms"] if a not in arms],
            "arms_only_in_b": [b for b in summary_b["arms"] if b not in arms], "deltas": deltas, "verdicts": verdicts}


def _delta_row(d: dict) -> list[str]:
    if d["delta_ci"] is None:
        return [d["arm"], d["metric"], f"{d['a']:.0f}", f"{d['b']:.0f}", f"{d['delta']:+.0f}", ""]
    lo, hi = d["delta_ci"]
    mark = "*" if lo > 0 or hi < 0 else ""
    return [
        d["arm"], d["metric"], f"{100 * d['a']:.1f}", f"{100 * d['b']:.1f}",
        f"{100 * d['delta']:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]", mark,
    ]


def render_comparison(record: dict) -> str:
    lines = [
        f"# {record['b']} vs {record['a']}",
        "",
        "Rates in %, delta = B - A in points with its 95% bootstrap interval (paired on the same questions when both "
        "runs asked the same ones). A delta whose interval excludes 0 is marked *.",
        "",
        markdown_table(["arm", "metric", "A", "B", "B - A [95% CI]", ""], [_delta_row(d) for d in record["deltas"]]),
    ]
    measured = [v for v in record.get("verdicts", []) if "not measured" not in (v["a"], v["b"])]
    if measured:
        differ = [v["aspect"] for v in measured if v["a"] != v["b"]]
        lines += [
            "", "## Verdicts", "",
            f"The two runs' verdicts point the same way on {len(measured) - len(differ)} of the {len(measured)} aspects both measured"
            + (f"; they differ on: {'; '.join(differ)}." if differ else "."),
            "",
            markdown_table(["aspect", "A favours", "B favours", ""], [[v["aspect"], v["a"], v["b"], "" if v["a"] == v["b"] else "differs"] for v in measured]),
        ]
    for side in ("a", "b"):
        if record[f"arms_only_in_{side}"]:
            lines += ["", f"Only in {side.upper()}: {', '.join(record[f'arms_only_in_{side}'])}."]
    return "\n".join(lines) + "\n"

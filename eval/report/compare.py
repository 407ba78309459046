"""Compare two finished runs: per arm and rate, the difference B - A with a 95% bootstrap interval
(the verdict's rule, eval/scoring/paired.py: paired when both runs answered the same questions,
seeds resampled when a run has several), plus latency and prompt tokens, and whether each verdict
row points the same way in both. Read from the run directories alone, e.g. CPU vs GPU, two
configs, two machine kinds, or the same documents asked synthesized and human questions.

Where an arm was measured at several seeds in either run, the row says whether the difference is
within the seed spread (no larger than the widest gap between two seeds of one run): fine-tuning on
another CPU kind takes another path in float32 and moves the fine-tuned arms by about that much."""

from __future__ import annotations

from pathlib import Path

from eval.catalogue import METRICS
from eval.report.evidence import RunScores
from eval.report.format import markdown_table
from eval.report.verdict import verdict_rows
from eval.rundir import load_run
from eval.scoring.paired import Scores, difference

RATES = [m.name for m in METRICS.values() if m.interval]


def seed_spread(side: list[Scores]) -> float | None:
    """The widest gap between two seeds' rates of one run (None with one seed)."""
    if len(side) < 2:
        return None
    means = [sum(s.values()) / len(s) for s in side]
    return max(means) - min(means)


def within_seed_spread(a: list[Scores], b: list[Scores], delta: float) -> bool | None:
    """Whether |delta| is no larger than the seed spread of either run; None when neither has seeds."""
    spreads = [s for s in (seed_spread(a), seed_spread(b)) if s is not None]
    return abs(delta) <= max(spreads) if spreads else None


def compare_runs(run_a: Path, run_b: Path, *, samples: int | None = None, seed: int | None = None) -> dict:
    """`samples` and `seed` of the bootstrap: run A's by default, as its verdict drew them, so a
    pair of arms compared here and in A's verdict gets the same interval and the same call."""
    (summary_a, all_a), (summary_b, all_b) = load_run(run_a), load_run(run_b)
    scores_a, scores_b = RunScores(summary_a, all_a), RunScores(summary_b, all_b)
    samples = scores_a.samples if samples is None else samples
    seed = scores_a.seed if seed is None else seed
    arms = [a for a in summary_a["arms"] if a in summary_b["arms"]]
    deltas = []
    for arm in arms:
        for name in RATES:
            a, b = scores_a.scores(arm, name), scores_b.scores(arm, name)
            if not a or not b:
                continue
            diff = difference(a, b, samples=samples, seed=seed)
            deltas.append({
                "arm": arm, "metric": name, "a": diff.a, "b": diff.b, "delta": diff.delta, "delta_ci": diff.ci, "paired": diff.paired,
                "seeds": list(diff.seeds), "within_seed_spread": within_seed_spread(a, b, diff.delta),
            })
        for name, get in (("latency_p50_ms", lambda s: s["latency_ms"]["p50"]), ("prompt_tokens", lambda s: s["prompt_tokens"])):
            va, vb = get(summary_a["arms"][arm]), get(summary_b["arms"][arm])
            deltas.append({"arm": arm, "metric": name, "a": va, "b": vb, "delta": vb - va, "delta_ci": None, "paired": None, "seeds": None,
                           "within_seed_spread": None})
    verdicts = [
        {"aspect": va.aspect, "a": va.favours, "b": vb.favours}
        for va, vb in zip(verdict_rows(summary_a, all_a), verdict_rows(summary_b, all_b))
    ]
    return {"a": str(run_a), "b": str(run_b), "arms_only_in_a": [a for a in summary_a["arms"] if a not in arms],
            "arms_only_in_b": [b for b in summary_b["arms"] if b not in arms], "deltas": deltas, "verdicts": verdicts}


SPREAD = {True: "within", False: "beyond", None: ""}


def _delta_row(d: dict) -> list[str]:
    if d["delta_ci"] is None:
        return [d["arm"], d["metric"], f"{d['a']:.0f}", f"{d['b']:.0f}", f"{d['delta']:+.0f}", "", "", ""]
    lo, hi = d["delta_ci"]
    mark = "*" if lo > 0 or hi < 0 else ""
    seeds = " / ".join(map(str, d.get("seeds") or []))
    return [
        d["arm"], d["metric"], f"{100 * d['a']:.1f}", f"{100 * d['b']:.1f}",
        f"{100 * d['delta']:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]", mark, seeds, SPREAD[d.get("within_seed_spread")],
    ]


def render_comparison(record: dict) -> str:
    lines = [
        f"# {record['b']} vs {record['a']}",
        "",
        "Rates in %, delta = B - A in points with its 95% bootstrap interval (paired on the same questions when both "
        "runs asked the same ones, seeds resampled where a run has several: the verdict's rule). A delta whose interval "
        "excludes 0 is marked *. Where a run has several seeds, the last column says whether the delta is within the "
        "seed spread (no larger than the widest gap between two of one run's seeds).",
        "",
        markdown_table(["arm", "metric", "A", "B", "B - A [95% CI]", "", "seeds A / B", "seed spread"], [_delta_row(d) for d in record["deltas"]]),
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

"""The report's figures, drawn from the run directory's data with matplotlib (no display needed).

Sized and lettered to stay readable on a projector. Each plot function returns a Figure, or None
when the run holds no data for it; `write_plots` saves those that exist as PNG files.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: never needs a display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from core.rundir import write_bytes  # noqa: E402
from eval.catalogue import METRICS, colour, conflict_probe, metrics_in  # noqa: E402
from eval.report.format import seconds_text  # noqa: E402
from eval.report.tables import shown_behaviours  # noqa: E402
from eval.report.whole_corpus import corpus_arm_names, position_bins, untuned_ceiling  # noqa: E402
from eval.scoring.harness import metric_scores  # noqa: E402

STYLE = {"font.size": 13, "axes.titlesize": 15, "axes.labelsize": 13, "figure.dpi": 100}



def _rate_bars(ax, names: list[str], records: list[dict], key: str) -> None:
    """Bars in % with 95% interval whiskers."""
    values = [100 * r[key] for r in records]
    lo = [v - 100 * r[f"{key}_ci"][0] for v, r in zip(values, records)]
    hi = [100 * r[f"{key}_ci"][1] - v for v, r in zip(values, records)]
    ax.bar(names, values, yerr=[lo, hi], capsize=6, color=[colour(n) for n in names])
    ax.set_ylim(0, 112)
    for x, (v, r) in enumerate(zip(values, records)):
        ax.text(x, 100 * r[f"{key}_ci"][1] + 1.5, f"{v:.0f}", ha="center", va="bottom")  # above the whisker


def accuracy_plot(summary: dict) -> Figure | None:
    arms = summary["arms"]
    fig, ax = plt.subplots(figsize=(9, 5))
    _rate_bars(ax, list(arms), list(arms.values()), "accuracy")
    ax.set_ylabel("accuracy % (95% CI)")
    ax.set_title(f"Accuracy per arm on {next(iter(arms.values()))['n']} eval questions")
    return fig


def behaviours_plot(summary: dict) -> Figure | None:
    arms = summary["arms"]
    shown = shown_behaviours(arms)
    if not shown:
        return None
    fig, axes = plt.subplots(1, len(shown), figsize=(4 * len(shown), 4.5), sharey=True, squeeze=False)
    for ax, metric in zip(axes[0], shown):
        names = [n for n, a in arms.items() if metric.name in a]
        _rate_bars(ax, names, [arms[n] for n in names], metric.name)
        ax.set_title(metric.label, fontsize=12)
        ax.tick_params(axis="x", labelrotation=45)
    axes[0][0].set_ylabel("% (95% CI)")
    fig.tight_layout()
    return fig


def latency_per_arm(main_rows: list[dict]) -> dict[str, list[float]]:
    """Each arm's latencies over the latency metric's own questions (answerable, answered), as the
    summary counts them: a question the gate refused costs nothing and would be a fast outlier."""
    arms = dict.fromkeys(r["arm"] for r in main_rows)
    return {a: list(metric_scores([r for r in main_rows if r["arm"] == a], a)[METRICS["latency_ms"]].values()) for a in arms}


def latency_plot(main_rows: list[dict]) -> Figure | None:
    per_arm = latency_per_arm(main_rows)
    if not per_arm:
        return None
    arms, data = list(per_arm), list(per_arm.values())
    fig, ax = plt.subplots(figsize=(9, 5))
    parts = ax.boxplot(data, tick_labels=arms, showfliers=True, patch_artist=True)
    for patch, name in zip(parts["boxes"], arms):
        patch.set_facecolor(colour(name))
        patch.set_alpha(0.6)
    ax.set_yscale("log")
    ax.set_ylabel("latency per answered question, ms (log)")
    ax.set_title("Latency distribution per arm")
    return fig


def updates_plot(summary: dict) -> Figure | None:
    rounds = summary.get("updates", {}).get("rounds")
    if not rounds:
        return None
    names = [r["name"] for r in rounds]
    arms = list(dict.fromkeys(a for r in rounds for a in r["arms"]))
    fig, axes = plt.subplots(1, 4, figsize=(20, 5))
    for ax, key, title in zip(axes, ("efficacy", "stale_rate", "locality"), ("efficacy %", "stale %", "locality %")):
        for name in arms:
            xs = [i for i, r in enumerate(rounds) if key in r["arms"].get(name, {})]
            if xs:
                ys = [100 * rounds[i]["arms"][name][key] for i in xs]
                ax.plot(xs, ys, marker="o", label=name, color=colour(name), linestyle="--" if _is_probe(name) else "-")
        ax.set_xticks(range(len(names)), [f"r{i + 1}" for i in range(len(names))])
        ax.set_ylim(-5, 105)
        ax.set_title(title)
    for name in arms:
        # only the rounds the arm ran in (lora_full may run on the last round alone)
        ran = [(i, r["arms"][name]["absorb_seconds"]) for i, r in enumerate(rounds) if "absorb_seconds" in r["arms"].get(name, {})]
        if ran:
            cumulative = [sum(s for _, s in ran[: n + 1]) for n in range(len(ran))]
            axes[3].plot([i for i, _ in ran], cumulative, marker="o", label=name, color=colour(name))
    axes[3].set_yscale("log")
    axes[3].set_xticks(range(len(names)), [f"r{i + 1}" for i in range(len(names))])
    axes[3].set_title("cumulative absorb s (log)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=11)  # below the panels, over no line
    fig.suptitle("Knowledge updates per round (" + ", ".join(f"r{i + 1} = {n}" for i, n in enumerate(names)) + ")", fontsize=12)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def _is_probe(name: str) -> bool:
    """The conflict probe is drawn dashed: it is not an approach absorbing the change."""
    return name == conflict_probe()


def deletions_plot(summary: dict) -> Figure | None:
    deletions = summary.get("deletions")
    if not deletions:
        return None
    names = list(deletions["arms"])
    fig, ax = plt.subplots(figsize=(7, 5))
    _rate_bars(ax, names, [deletions["arms"][n] for n in names], "leak_rate")
    for x, n in enumerate(names):
        ax.text(x, 95, seconds_text(deletions["arms"][n]["absorb_seconds"]), ha="center")
    ax.set_ylabel("leak % (95% CI)")
    ax.set_title(f"Deleted facts still answered ({deletions['questions']} questions)")
    return fig


def loss_plot(summary: dict) -> Figure | None:
    curve = next((a["train"].get("loss_curve") for a in summary["arms"].values() if "train" in a), None)
    if not curve:
        return None
    fig, ax = plt.subplots(figsize=(9, 5))
    for key, label in (("loss", "training loss"), ("eval_loss", "held-out loss")):
        points = [(p["step"], p[key]) for p in curve if key in p]
        if points:
            ax.plot(*zip(*points), marker="." if key == "loss" else "o", label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("LoRA training loss")
    ax.legend()
    return fig


def sweep_plot(record: dict) -> Figure:
    points = record["points"]
    xs = list(range(len(points)))  # one evenly spaced position per value, labelled with the value
    fig, ax = plt.subplots(figsize=(9, 5))
    for metric in metrics_in("answer"):  # the behaviours are in the sweep's table
        key = metric.name
        if metric.interval and all(key in p for p in points):
            ys = [100 * p[key] for p in points]
            err = [[y - 100 * p[f"{key}_ci"][0] for y, p in zip(ys, points)], [100 * p[f"{key}_ci"][1] - y for y, p in zip(ys, points)]]
            ax.errorbar(xs, ys, yerr=err, marker="o", capsize=5, label=f"{metric.label} %")
    ax.set_ylim(-5, 105)
    ax.set_xticks(xs, [str(p["value"]) for p in points])
    ax.set_xlabel(record["key"])
    ax.set_ylabel("% (95% CI)")
    latency = ax.twinx()
    latency.plot(xs, [p["latency_p50_ms"] for p in points], color="black", linestyle=":", marker="s", label="latency p50 ms")
    latency.set_ylabel("latency p50, ms")
    lines = ax.get_legend_handles_labels()
    more = latency.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=10, loc="lower left")
    ax.set_title(f"Sweep of {record['key']} on the {record['arm']} arm")
    return fig


def sweep_plot_name(record: dict) -> str:
    return f"sweep-{record['arm']}-{record['key']}"


def position_plot(summary: dict, main_rows: list[dict]) -> Figure | None:
    """Accuracy by where the gold document sat in a whole-corpus prompt (lost in the middle?)."""
    curves = {n: b for n in corpus_arm_names(summary) if (b := position_bins(summary, main_rows, n))}
    if not curves:
        return None
    fig, ax = plt.subplots(figsize=(9, 5))
    for name, bins in curves.items():
        x = list(range(len(bins)))
        values = [100 * b["accuracy"] for b in bins]
        lo = [v - 100 * b["accuracy_ci"][0] for v, b in zip(values, bins)]
        hi = [100 * b["accuracy_ci"][1] - v for v, b in zip(values, bins)]
        ax.errorbar(x, values, yerr=[lo, hi], marker="o", capsize=6, color=colour(name), label=name)
        ax.set_xticks(x, [f"{b['label']}\n(n={b['n']})" for b in bins])
    reference = untuned_ceiling(summary["arms"])
    if reference:
        ax.axhline(100 * summary["arms"][reference]["accuracy"], color=colour(reference), linestyle="--", label=f"{reference} (gold document alone)")
    ax.set_ylim(0, 105)
    ax.set_xlabel("where the gold document sat in the prompt (share of the corpus before it)")
    ax.set_ylabel("accuracy % (95% CI)")
    ax.set_title("The whole corpus in the prompt: accuracy by the gold document's position")
    ax.legend()
    return fig


def write_plots(plots_dir: Path, summary: dict, main_rows: list[dict], sweeps: list[dict]) -> dict[str, str]:
    """Save every figure the run has data for; returns {name: file name inside plots_dir}."""
    with plt.rc_context(STYLE):
        figures = {
            "accuracy": accuracy_plot(summary),
            "behaviours": behaviours_plot(summary),
            "latency": latency_plot(main_rows),
            "gold_position": position_plot(summary, main_rows),
            "updates": updates_plot(summary),
            "deletions": deletions_plot(summary),
            "training_loss": loss_plot(summary),
            **{sweep_plot_name(r): sweep_plot(r) for r in sweeps},
        }
        written = {}
        for name, fig in figures.items():
            if fig is None:
                continue
            write_bytes(Path(plots_dir) / f"{name}.png", png_bytes(fig))
            plt.close(fig)
            written[name] = f"{name}.png"
    return written


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()

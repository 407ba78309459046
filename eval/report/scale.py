"""The scale report (`scale.md` and its plots), drawn from `scale.json` alone.

Two statements are computed, not written by hand: where the accuracy curves of rag and lora cross
(interpolated on a log axis of facts between the two sizes whose difference changes sign, and
whether the intervals even separate them), and where the fitted cost curves of training and index
building would meet (the power laws extrapolated, said as such when outside the sizes measured).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from core.rundir import write_bytes  # noqa: E402
from eval.catalogue import colour  # noqa: E402
from eval.report.format import interval_order, markdown_table, pct, rate_cell, seconds_text  # noqa: E402
from eval.report.plots import STYLE, png_bytes  # noqa: E402

RAG, LORA = "rag", "lora"  # the two sides of each row in scale.json
PLOTS = {"accuracy": "scale-accuracy.png", "cost": "scale-cost.png"}


def scale_table(record: dict) -> str:
    header = ["facts", "pages", "eval questions", "rag accuracy %", "rag recall@1 %", "index build", "index MB", "rag latency p50 ms",
              "lora accuracy %", "lora general knowledge %", "training", "adapter MB", "lora latency p50 ms", "rag update", "lora update"]
    rows = []
    for r in record["rows"]:
        rag, lora = r[RAG], r[LORA]
        rows.append([r["facts"], r["documents"], r["eval_questions"], rate_cell(rag, "accuracy"), pct(rag["recall_at_1"]),
                     seconds_text(rag["index_seconds"]), f"{rag['index_mb']:.2f}", f"{rag['latency_p50_ms']:.0f}",
                     rate_cell(lora, "accuracy"), (rate_cell(lora, "general_knowledge") if lora["general_knowledge"] is not None else "–"), seconds_text(lora["train_seconds"]),
                     f"{lora['adapter_mb']:.1f}", f"{lora['latency_p50_ms']:.0f}", seconds_text(rag["absorb_seconds"]),
                     seconds_text(lora["absorb_seconds"])])
    return markdown_table(header, rows)


def fits_table(record: dict) -> str:
    rows = [[name, f"{fit['exponent']:.2f}", f"{fit['coefficient']:.3g}"] for name, fit in record["fits"].items() if fit]
    return markdown_table(["grows like facts^b", "b (exponent)", "a (coefficient)"], rows)


def accuracy_statement(rows: list[dict]) -> str:
    """Which arm is more accurate at each size, and where (if anywhere) that changes."""
    if len(rows) < 2:
        return "One size only: nothing to say about growth."
    first, last = rows[0], rows[-1]
    trend = (f"From {first['facts']} to {last['facts']} facts, rag's accuracy goes from {pct(first[RAG]['accuracy'])}% to "
             f"{pct(last[RAG]['accuracy'])}% and lora's from {pct(first[LORA]['accuracy'])}% to {pct(last[LORA]['accuracy'])}%.")
    diffs = [r[LORA]["accuracy"] - r[RAG]["accuracy"] for r in rows]
    crossings = []
    for a, b, da, db in zip(rows, rows[1:], diffs, diffs[1:]):
        if da * db < 0:
            t = da / (da - db)
            near = math.exp(math.log(a["facts"]) + t * (math.log(b["facts"]) - math.log(a["facts"])))
            crossings.append(f"between {a['facts']} and {b['facts']} facts (near {near:.0f} on a log scale), "
                             f"{'lora falls below rag' if da > 0 else 'lora overtakes rag'}")
    apart = [r["facts"] for r in rows if interval_order(r[LORA]["accuracy_ci"], r[RAG]["accuracy_ci"]) != 0]
    separated = (f" Their 95% intervals separate them at {', '.join(map(str, apart))} facts" + ("" if len(apart) == len(rows) else " only")
                 + "." if apart else " Their 95% intervals overlap at every size: no size separates them.")
    if crossings:
        return f"{trend} The accuracy curves cross {'; '.join(crossings)}.{separated}"
    if not any(diffs):
        return f"{trend} The two are equally accurate at every size.{separated}"
    leader = "lora" if diffs[0] > 0 else "rag"
    gaps = [abs(d) * 100 for d in diffs]
    return f"{trend} The curves do not cross: {leader} is ahead at every size (by {min(gaps):.1f} to {max(gaps):.1f} points).{separated}"


def cost_statement(record: dict, a_name: str, b_name: str) -> str | None:
    """Where the fitted power laws of two costs meet, inside or outside the sizes measured."""
    a, b = record["fits"].get(a_name), record["fits"].get(b_name)
    if not a or not b:
        return None
    sizes = [r["facts"] for r in record["rows"]]
    ratio = [r[a["side"]][a["key"]] / r[b["side"]][b["key"]] for r in record["rows"] if r[a["side"]][a["key"]] and r[b["side"]][b["key"]]]
    said = (f"{a_name} grows like facts^{a['exponent']:.2f} and {b_name} like facts^{b['exponent']:.2f}; "
            f"{a_name} is {min(ratio):.0f} to {max(ratio):.0f} times {b_name} over {sizes[0]}-{sizes[-1]} facts" if ratio else "")
    if abs(a["exponent"] - b["exponent"]) < 1e-9:
        return f"{said}; with equal exponents the fitted curves never meet."
    log_meet = (math.log(b["coefficient"]) - math.log(a["coefficient"])) / (a["exponent"] - b["exponent"])  # logs: no overflow
    if not 0 <= log_meet <= math.log(1e9):
        return f"{said}; the fitted curves would not meet between 1 and a billion facts."
    meet = math.exp(log_meet)
    where = ("inside the sizes measured" if sizes[0] <= meet <= sizes[-1] else
             "far outside the sizes measured, so an extrapolation, not a measurement" if meet > 100 * sizes[-1] or meet < sizes[0] / 100 else
             "outside the sizes measured (extrapolated)")
    return f"{said}; the fitted curves would meet near {meet:,.0f} facts, {where}."


def accuracy_plot(record: dict):
    fig, ax = plt.subplots(figsize=(8, 5))
    facts = [r["facts"] for r in record["rows"]]
    for arm, key, label in ((RAG, "accuracy", "rag accuracy"), (LORA, "accuracy", "lora accuracy"), (LORA, "general_knowledge", "lora general knowledge kept")):
        records = [r[arm] for r in record["rows"]]
        if any(rec.get(key) is None for rec in records):
            continue
        ys = [100 * rec[key] for rec in records]
        err = [[y - 100 * rec[f"{key}_ci"][0] for y, rec in zip(ys, records)], [100 * rec[f"{key}_ci"][1] - y for y, rec in zip(ys, records)]]
        ax.errorbar(facts, ys, yerr=err, marker="o", capsize=5, color=colour(arm), label=f"{label} %",
                    linestyle=":" if key == "general_knowledge" else "-")
    ax.set_xscale("log")
    ax.set_xticks(facts, [str(f) for f in facts])
    ax.set_ylim(-5, 105)
    ax.set_xlabel("facts in the knowledge base (log scale)")
    ax.set_ylabel("% (95% CI)")
    ax.set_title("Accuracy as the knowledge base grows")
    ax.legend(fontsize=10)
    return fig


def cost_plot(record: dict):
    fig, ax = plt.subplots(figsize=(8, 5))
    facts = [r["facts"] for r in record["rows"]]
    for name, fit in record["fits"].items():
        if not fit or fit["unit"] != "s":
            continue
        side = fit["side"]
        ys = [r[side][fit["key"]] for r in record["rows"]]
        style = "-" if "update" not in name else "--"
        ax.plot(facts, ys, marker="o", linestyle="none", color=colour(side))
        xs = [facts[0], facts[-1]]
        ax.plot(xs, [fit["coefficient"] * x ** fit["exponent"] for x in xs], style, color=colour(side), label=f"{name}: b = {fit['exponent']:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(facts, [str(f) for f in facts])
    ax.set_xlabel("facts in the knowledge base (log scale)")
    ax.set_ylabel("seconds (log scale)")
    ax.set_title("Cost as the knowledge base grows (fitted facts^b)")
    ax.legend(fontsize=10)
    return fig


def write_scale_plots(out: Path, record: dict) -> dict[str, str]:
    with plt.rc_context(STYLE):
        written = {}
        for name, draw in (("accuracy", accuracy_plot), ("cost", cost_plot)):
            fig = draw(record)
            write_bytes(Path(out) / "plots" / PLOTS[name], png_bytes(fig))
            plt.close(fig)
            written[name] = f"plots/{PLOTS[name]}"
    return written


def scale_markdown(record: dict, plots: dict[str, str]) -> str:
    parts = [f"# Scale: rag and lora as the knowledge base grows ({record['config']}, seed {record['seed']})", ""]
    if record["rows"]:
        statements = [accuracy_statement(record["rows"])]
        statements += [s for s in (cost_statement(record, "lora training s", "rag index build s"),
                                   cost_statement(record, "lora update s", "rag update s")) if s]
        parts += [scale_table(record), "", *(f"- {s}" for s in statements), "", "## Growth exponents", "", fits_table(record), "",
                  f"![accuracy]({plots['accuracy']})", "", f"![cost]({plots['cost']})", "",
                  "Each size is a whole run (its report is in `facts-<n>/report.html`); rates are over that size's eval questions "
                  "with 95% bootstrap intervals; seconds are wall time on the machine in each run's `meta_info`."]
    if record["failed"]:
        parts += ["", "Failed sizes (no result):", *(f"- `{f['point']}`: {f['error']}" for f in record["failed"])]
    return "\n".join(parts) + "\n"

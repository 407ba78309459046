"""The whole corpus in the prompt (the arms whose catalogue entry `caches_corpus`): what the report
says about them beyond the shared tables, from the run directory alone.

- Cost: the corpus's keys and values are computed once (the one-time cost, `prefix` in the arm's
  summary) and every question then runs only its own tokens (the per-question latency); prompt
  tokens are counted whole (what a provider bills without prompt caching) and as read from the
  cache (what it bills at its cached rate).
- Where the gold document sat in the prompt against accuracy: the "lost in the middle" effect,
  measured at this model size (relative position of the first gold document, in equal bins).
- An arm that was not run because the corpus does not fit the window (`not_run`), with both counts.
"""

from __future__ import annotations

from eval.catalogue import GOLD, arm
from eval.report.evidence import RunScores
from eval.report.format import markdown_table, pct, rate_cell, seconds_text
from eval.report.verdict_rules import difference_text
from eval.rundir import main_rows
from eval.scoring import metrics

POSITION_BINS = 5  # fifths of the prompt (fewer on a corpus of fewer documents)


def corpus_arm_names(summary: dict) -> list[str]:
    """The arms of this run that read the whole corpus and were run."""
    return [n for n in summary["arms"] if arm(n) and arm(n).caches_corpus]


def not_fit_text(name: str, record: dict) -> str:
    return (
        f"`{name}` was not run: the whole corpus ({record['corpus_documents']} documents) makes prompts of up to "
        f"{record['prompt_tokens']:,} tokens, and with {record['answer_tokens']} for the answer that passes the model's window "
        f"of {record['window']:,} tokens (not truncated: a prompt missing documents would measure something else)"
    )


def not_run_sentences(summary: dict) -> list[str]:
    return [not_fit_text(n, r) + "." for n, r in (summary.get("not_run") or {}).items() if r.get("reason") == "does not fit"]


def prefix_text(record: dict) -> str:
    """`3,915 of 8,192 tokens computed once in 12.3 s, 172 MB of keys and values`."""
    window = f" of the {record['window']:,}-token window" if record.get("window") else ""
    return (
        f"{record['tokens']:,} tokens{window} computed once in {seconds_text(record['build_seconds'])}, "
        f"{record['megabytes']:.0f} MB of keys and values kept"
    )


def cost_sentences(summary: dict) -> list[str]:
    """Per whole-corpus arm: the one-time cost apart from the per-question cost, and the tokens billed."""
    out = []
    for name in corpus_arm_names(summary):
        record = summary["arms"][name]
        prefix = record.get("prefix")
        if not prefix or "latency_ms" not in record:
            continue
        cached = record.get("cached_prompt_tokens", 0.0)
        out.append(
            f"`{name}`: the corpus prompt's opening, {prefix_text(prefix)}; then each question costs "
            f"{record['latency_ms']['p50']:.0f} ms (p50) / {record['latency_ms']['p95']:.0f} ms (p95). Its prompts are "
            f"{record['prompt_tokens']:,.0f} tokens on average, of which {cached:,.0f} are read from the cache: a provider "
            f"without prompt caching bills all {record['prompt_tokens']:,.0f} per question (the `prompt tokens` column and "
            f"the verdict), one with it bills the cached ones at its cached rate."
        )
    return out


def gold_positions(rows: list[dict], name: str) -> list[tuple[float, float]]:
    """(relative position of the first gold document in the prompt, 0 first to 1 last; correct) per
    answerable question `name` answered."""
    out = []
    for r in rows:
        shown = [p["doc_id"] for p in r["retrieved"]]
        gold = [i for i, d in enumerate(shown) if d in r["gold_doc_ids"]]
        if r["arm"] == name and r["gold_doc_ids"] and gold:
            out.append((gold[0] / max(len(shown) - 1, 1), r["correct"]))
    return out


def position_bins(summary: dict, rows: list[dict], name: str) -> list[dict]:
    """Accuracy by where the gold document sat: equal bins of the prompt, each with its interval."""
    positions = gold_positions(main_rows(rows), name)
    documents = max((len(r["retrieved"]) for r in rows if r["arm"] == name), default=0)
    bins = min(POSITION_BINS, documents)
    if not positions or bins < 2:
        return []
    samples, seed = summary["run_info"]["config"]["eval"]["bootstrap_samples"], summary["run_info"]["seed"]
    out = []
    for b in range(bins):
        scores = [c for p, c in positions if min(int(p * bins), bins - 1) == b]
        if scores:
            label = f"{100 * b // bins}-{100 * (b + 1) // bins}%"
            out.append({"label": label, "n": len(scores), **metrics.rate("accuracy", scores, samples=samples, seed=seed)})
    return out


def position_table(summary: dict, rows: list[dict]) -> str | None:
    table = [
        [name, b["label"], b["n"], rate_cell(b, "accuracy")]
        for name in corpus_arm_names(summary) for b in position_bins(summary, rows, name)  # bootstrapped once per arm
    ]
    if not table:
        return None
    return markdown_table(["arm", "gold document at (share of the prompt)", "questions", "accuracy % [95% CI]"], table)


def untuned_ceiling(arms: dict) -> str | None:
    """The base weights reading the gold document alone: what the same reader does without the rest."""
    return next((n for n in arms if arm(n) and arm(n).passages is GOLD and not arm(n).tuned and "accuracy" in arms[n]), None)


def reading_limit_sentence(summary: dict, rows: list[dict]) -> list[str]:
    """Is a whole-corpus arm limited by reading a long prompt, or by the reader? Set against the same
    reader with the gold document alone (the oracle), paired on the same questions."""
    arms, scores = summary["arms"], RunScores(summary, rows)
    ceiling = untuned_ceiling(arms)
    out = []
    for name in corpus_arm_names(summary):
        if not ceiling or "accuracy" not in arms[name]:
            continue
        diff = scores.difference(ceiling, name, "accuracy")
        if diff is None:
            continue
        record, documents = arms[name], (arms[name].get("prefix") or {}).get("tokens")
        size = f" ({documents:,} tokens of corpus)" if documents else ""
        if diff.sign < 0:
            finding = (
                f"the long prompt limits it: the same reader answers {pct(arms[ceiling]['accuracy'])}% with the gold document "
                f"alone (`{ceiling}`) and {pct(record['accuracy'])}% with it among every document{size}, "
                f"{difference_text(diff)} points paired on {diff.questions} questions"
            )
        else:
            finding = (
                f"the reader limits it, not the length of its prompt: {pct(record['accuracy'])}% with every document{size} "
                f"against {pct(arms[ceiling]['accuracy'])}% with the gold document alone (`{ceiling}`), "
                f"{difference_text(diff)} points paired on {diff.questions} questions, no difference called"
                if diff.sign == 0 else
                f"every document in the prompt helps it past the gold document alone: {pct(record['accuracy'])}% against "
                f"{pct(arms[ceiling]['accuracy'])}% (`{ceiling}`), {difference_text(diff)} points paired on {diff.questions} questions"
            )
        out.append(f"`{name}` (the whole corpus in the prompt): {finding}.")
    return out

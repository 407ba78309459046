"""synth_report.md: what `ragvsft synth` made, what each filter rejected, a sample to read, the settings."""

from __future__ import annotations

import random

from corpora.synth.filters import MIN_QUESTION_WORDS

SAMPLE = 20


def synth_report(result, settings) -> str:
    lines = [
        "# Synthesized questions", "",
        f"Generator: `{result.generator}`. Every count below is from this synthesis.", "",
        "## Counts per stage", "", "| stage | count |", "|---|---:|",
        *[f"| {name} | {n} |" for name, n in result.stages.items()], "",
        "## What the filters and span rules left out", "",
        f"Checks: the answer occurs in its gold document; the question does not contain the answer; at least "
        f"{MIN_QUESTION_WORDS} words ending in `?`; no duplicate; an eval phrasing's word-set Jaccard overlap with each "
        f"train phrasing of its fact is below {settings.max_overlap}; no eval phrasing inside a train phrasing or document "
        "(the leak guard's rule).", "",
        "| reason | rejected |", "|---|---:|",
        *([f"| {why} | {n} |" for why, n in result.rejected.most_common()] or ["| (nothing) | 0 |"]), "",
        "## Phrasings kept per template", "", "| template | phrasings |", "|---|---:|",
        *[f"| {t} | {n} |" for t, n in result.templates.most_common()], "",
        f"## {min(SAMPLE, len(result.facts))} facts drawn at random (seed {settings.seed})", "",
    ]
    for fact, questions in random.Random(settings.seed).sample(result.facts, min(SAMPLE, len(result.facts))):
        lines += [f"- **{fact.answers[0]}** ({fact.span.kind}, `{fact.doc_id}`): _{fact.sentence}_"]
        lines += [f"  - {q.split}: {q.question}" for q in questions]
    lines += ["", "## Settings", "", "```yaml", *[f"{k}: {v}" for k, v in settings.model_dump(mode="json").items()], "```", ""]
    return "\n".join(lines)

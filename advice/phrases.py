"""Traits read from a capability's free-text description by indicator phrases: the exercise's
keyword lists ("up-to-date", "specific document", "citation needed" for retrieval; "consistent
format", "style", "tone", "protocol" for fine-tuning) and more, each mapped to the trait it states,
never to a side. Which side a trait favours is measured (advice/measures.py), not assumed.

Every trait read says which words set it, so a person can correct the profile; a phrase that
points at a trait without saying its number ("fast" without a budget) is a notice, not a guess.
Negation is not parsed ("no citations needed" still sets citations): the words shown are the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (trait, value, phrases): a phrase is a regular expression matched case-insensitively on word boundaries.
INDICATORS: tuple[tuple[str, object, tuple[str, ...]], ...] = (
    ("knowledge", "documents", (
        r"specific documents?", r"documents?", r"handbook", r"manuals?", r"polic(?:y|ies)", r"knowledge base", r"wiki",
        r"articles?", r"contracts?", r"records?", r"specifications?", r"datasheets?",
    )),
    ("knowledge", "qa_pairs", (r"faqs?", r"q\s?&\s?a", r"question[- ]and[- ]answer pairs?", r"fixed (?:set of )?questions")),
    ("changes", True, (
        r"up[- ]to[- ]date", r"latest", r"current", r"changes? (?:often|frequently|daily|weekly|monthly)", r"frequently updated",
        r"new (?:products|releases|versions)", r"fresh(?:ness)?", r"real[- ]time data",
    )),
    ("removal", True, (
        r"right to be forgotten", r"gdpr", r"remov(?:e|al|ing)", r"delet(?:e|ed|ion|ing)", r"eras(?:e|ure)", r"forget", r"on request",
    )),
    ("citations", True, (
        r"citations? needed", r"cit(?:e|es|ing|ation|ations)", r"sources?", r"references?", r"show where", r"traceab(?:le|ility)", r"audit",
    )),
    ("style", True, (
        r"consistent format", r"formats?", r"styles?", r"tone", r"voice", r"protocols?", r"templates?", r"structure[d]?", r"brand",
    )),
    ("abstain", True, (
        r"(?:i|we) don'?t know", r"not sure", r"never guess", r"refuse", r"decline", r"hallucinat\w*", r"unanswerable", r"abstain\w*",
    )),
    ("general_knowledge", True, (r"general knowledge", r"world knowledge", r"beyond the (?:documents|corpus)", r"open[- ]domain", r"common sense")),
)

# cadence words -> updates per month (sets `updates_per_month`, and `changes` with it)
CADENCES = {
    r"hourly": 720.0, r"daily|every day": 30.0, r"weekly|every week": 30 / 7, r"fortnightly|every two weeks": 15 / 7,
    r"monthly|every month": 1.0, r"quarterly|every quarter": 1 / 3, r"yearly|annually|every year": 1 / 12,
}
LATENCY = re.compile(r"(?:within|under|below|less than|at most|p95(?: of)?)\s+(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|seconds?)\b", re.I)
VOLUME = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(k|thousand|million)?\s*(?:queries|questions|requests|users)\s*(?:per|a|/|each)\s*day", re.I)
# words that point at a trait whose number the text does not give: said, never guessed
VAGUE = {
    "latency_p95_ms": re.compile(r"\b(fast|quick(?:ly)?|instant(?:ly)?|low[- ]latency|real[- ]time|responsive|snappy)\b", re.I),
    "queries_per_day": re.compile(r"\b(high[- ]volume|heavy traffic|many users|at scale|thousands of (?:users|queries))\b", re.I),
}


@dataclass(frozen=True)
class ReadTrait:
    trait: str
    value: object
    words: tuple[str, ...]  # the description's words that set it


def _find(pattern: str, text: str) -> str | None:
    match = re.search(rf"(?<![\w-]){pattern}(?![\w-])", text, re.I)
    return match.group(0) if match else None


def read_traits(description: str) -> tuple[dict[str, ReadTrait], list[str]]:
    """The traits `description` states, each with the words that set it, and notices: words that point
    at a trait without its number, and traits two readings disagree on (the first is kept, both said)."""
    found: dict[str, ReadTrait] = {}
    notices: list[str] = []

    def put(trait: str, value, words: list[str]) -> None:
        if trait in found and found[trait].value != value:
            notices.append(f"`{trait}` read as {found[trait].value!r} (from {', '.join(found[trait].words)}) "
                           f"and as {value!r} (from {', '.join(words)}): kept the first; state it under `traits` to choose")
            return
        if trait in found:
            words = [*found[trait].words, *words]
        found[trait] = ReadTrait(trait, value, tuple(dict.fromkeys(words)))

    for trait, value, phrases in INDICATORS:
        words = [w for p in phrases if (w := _find(p, description))]
        if words:
            put(trait, value, words)
    for pattern, per_month in CADENCES.items():
        if word := _find(pattern, description):
            put("updates_per_month", round(per_month, 3), [word])
            put("changes", True, [word])
            break
    if match := LATENCY.search(description):
        ms = float(match.group(1)) * (1 if match.group(2).lower().startswith("m") else 1000)
        put("latency_p95_ms", ms, [match.group(0)])
    if match := VOLUME.search(description):
        scale = {"k": 1e3, "thousand": 1e3, "million": 1e6}.get((match.group(2) or "").lower(), 1)
        put("queries_per_day", float(match.group(1).replace(",", "")) * scale, [match.group(0)])
    for trait, pattern in VAGUE.items():
        if trait not in found and (match := pattern.search(description)):
            notices.append(f"\"{match.group(0)}\" points at `{trait}` but gives no number: state it under `traits` to have it weighed")
    return found, notices


# The exercise's own classifier, kept as it is written so its calls can be checked against the
# measurements: retrieval words against fine-tuning words, a draw is "both".
EXERCISE_RETRIEVAL = ("up-to-date", "specific document", "citation needed")
EXERCISE_FINETUNE = ("consistent format", "style", "tone", "protocol")


def keyword_rule(description: str) -> str:
    """`classify_capability(description)` of the exercise: RAG, fine-tune or both, by counting its indicator phrases."""
    text = description.lower()
    retrieval = sum(p in text for p in EXERCISE_RETRIEVAL)
    finetune = sum(p in text for p in EXERCISE_FINETUNE)
    return "RAG" if retrieval > finetune else "fine-tune" if finetune > retrieval else "both"

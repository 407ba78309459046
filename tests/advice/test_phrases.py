"""Traits read from a capability's words: each with the words that set it, a number only where the
words give one (else a notice, never a guess), and the exercise's keyword rule kept as written."""

from __future__ import annotations

import pytest

from advice.phrases import keyword_rule, read_traits
from advice.profile import Capability, resolve


@pytest.mark.parametrize("text, trait, value, words", [
    ("Answers stay up-to-date", "changes", True, ("up-to-date",)),
    ("from a specific document", "knowledge", "documents", ("specific document", "document")),
    ("citation needed on each answer", "citations", True, ("citation needed", "citation")),
    ("replies in a consistent format", "style", True, ("consistent format", "format")),
    ("in the brand's tone", "style", True, ("tone", "brand")),
    ("follows the escalation protocol", "style", True, ("protocol",)),
    ("answers the office FAQ", "knowledge", "qa_pairs", ("FAQ",)),
    ("say I don't know rather than guess", "abstain", True, ("I don't know",)),
    ("records removable under GDPR", "removal", True, ("GDPR",)),
    ("keeps its general knowledge", "general_knowledge", True, ("general knowledge",)),
    ("prices change weekly", "updates_per_month", round(30 / 7, 3), ("weekly",)),
    ("answers within 300 ms", "latency_p95_ms", 300.0, ("within 300 ms",)),
    ("answers in under 2 seconds", "latency_p95_ms", 2000.0, ("under 2 seconds",)),
    ("about 5,000 queries per day", "queries_per_day", 5000.0, ("5,000 queries per day",)),
    ("12k questions a day", "queries_per_day", 12000.0, ("12k questions a day",)),
])
def test_a_phrase_sets_its_trait_and_says_which_words_did(text, trait, value, words):
    found, _ = read_traits(text)
    assert found[trait].value == value
    assert found[trait].words == words


def test_a_phrase_without_its_number_is_a_notice_not_a_guess():
    found, notices = read_traits("a fast answer for a high-volume desk")
    assert "latency_p95_ms" not in found and "queries_per_day" not in found
    assert any('"fast"' in n and "latency_p95_ms" in n for n in notices)
    assert any('"high-volume"' in n and "queries_per_day" in n for n in notices)


def test_two_readings_of_one_trait_are_both_said():
    found, notices = read_traits("answers the FAQ from the handbook")
    assert found["knowledge"].value == "documents"  # the first reading kept
    assert any("qa_pairs" in n and "FAQ" in n for n in notices)


def test_words_are_matched_whole():
    found, _ = read_traits("a stylesheet recited from the documentary")
    assert "style" not in found and "citations" not in found and "knowledge" not in found


def test_given_traits_are_used_as_given_and_words_only_without_them():
    given = resolve(Capability(name="c", description="cite the handbook, in our style", traits={"style": True}))
    assert {t: s.source for t, s in given.traits.items()} == {"style": "given"}
    read = resolve(Capability(name="c", description="cite the handbook, in our style"))
    assert set(read.traits) == {"knowledge", "citations", "style"}
    assert read.traits["citations"].source == 'read from "cite"'
    empty = resolve(Capability(name="c", description="be nice"))
    assert not empty.traits and "no indicator phrase" in empty.notices[0]


@pytest.mark.parametrize("text, call", [
    ("keep it up-to-date", "RAG"), ("from a specific document, citation needed", "RAG"), ("consistent format", "fine-tune"),
    ("style and tone", "fine-tune"), ("up-to-date, in our style", "both"), ("nothing to count", "both"),
])
def test_the_exercise_keyword_rule(text, call):
    assert keyword_rule(text) == call

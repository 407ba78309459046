"""A counterfactual update round and the deletions, made from the synthesized facts.

A changed fact swaps its answer value, everywhere it occurs in its document, for a value of the
same type taken from another fact of the corpus (a number for a number, a name for a name), so
the new document reads as plausibly as the old one. Its questions keep their wording and get the
new `answers` and the old ones as `old_answers` (core/updates.py). A fact qualifies when its
value occurs in no other fact of its document (so the swap changes only this fact) and the new
value occurs nowhere in the document (so old and new are told apart).

Deletions are whole documents, chosen by seed among those the round does not touch; their facts
become the deletion's leak probe.
"""

from __future__ import annotations

import random
import re

from core.corpus import Document, Question
from corpora.synth.templates import Fact, wh_forms
from core.text import contains_phrase, normalize

ROUND_NAME = "r1-synthesized-changes"


def counterfactual_round(
    facts: list[tuple[Fact, list[Question]]], documents: list[Document], changes: int, seed: int
) -> tuple[list[Document], list[Question]]:
    """(changed documents, every phrasing of each changed fact with new answers)."""
    rng = random.Random(seed)
    by_id = {d.id: d for d in documents}
    values: dict[tuple, list[str]] = {}
    for fact, _ in facts:
        for key in _value_keys(fact):
            values.setdefault(key, [])
            if fact.span.value not in values[key]:
                values[key].append(fact.span.value)
    order = list(range(len(facts)))
    rng.shuffle(order)
    changed_docs: dict[str, Document] = {}
    questions: list[Question] = []
    made = 0
    for i in order:
        if made == changes:
            break
        fact, phrasings = facts[i]
        doc = changed_docs.get(fact.doc_id, by_id[fact.doc_id])
        if not _swappable(fact, facts, doc):
            continue
        options = []
        for key in _value_keys(fact):  # the closest kind of value first: days for days, a person for a person
            options = [v for v in values[key] if normalize(v) != normalize(fact.span.value) and not contains_phrase(doc.text, v)]
            if options:
                break
        if not options:
            continue
        new = rng.choice(options)
        text = _replace_value(doc.text, fact.span.value, new)
        if contains_phrase(text, fact.span.value) or not contains_phrase(text, new):
            continue
        changed_docs[fact.doc_id] = doc.model_copy(update={"text": text})
        made += 1
        for q in phrasings:
            questions.append(q.model_copy(update={"id": f"{q.id}-r1", "answers": [new], "old_answers": list(q.answers)}))
    return list(changed_docs.values()), questions


def _value_keys(fact: Fact) -> list[tuple]:
    """Groups of interchangeable values, narrowest first. Numbers, money and codes may fall back to any
    value of their type; a date stays a date of its kind (a month for a month), a name a name asked
    for with the same wh-word (a person for a person, a place for a place)."""
    primary, _ = wh_forms(fact.span, fact.sentence)
    narrow = fact.span.unit.lower() if fact.span.kind == "quantity" else primary.text
    return [(fact.span.kind, narrow)] + ([(fact.span.kind,)] if fact.span.kind in {"quantity", "money", "code"} else [])


def _swappable(fact: Fact, facts: list[tuple[Fact, list[Question]]], document: Document) -> bool:
    """The value belongs to this fact alone in its document, and no question of the document names it."""
    for other, phrasings in facts:
        if other.doc_id != fact.doc_id or other is fact:
            continue
        if normalize(other.span.value) == normalize(fact.span.value) or any(contains_phrase(q.question, fact.span.value) for q in phrasings):
            return False
    return contains_phrase(document.text, fact.span.value)


def _replace_value(text: str, old: str, new: str) -> str:
    """Every whole-token occurrence of `old` replaced by `new` ("27" in "27 days", not in "127")."""
    return re.sub(rf"(?<![\w.,]){re.escape(old)}(?![\w]|[.,]\d)", new, text)


def deletions(documents: list[Document], facts: list[Fact], avoid: set[str], count: int, seed: int) -> list[str]:
    """`count` document ids chosen by seed among the documents with facts that the round leaves alone."""
    with_facts = sorted({f.doc_id for f in facts} - avoid, key=[d.id for d in documents].index)
    return random.Random(seed + 1).sample(with_facts, min(count, len(with_facts)))

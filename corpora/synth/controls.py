"""Unanswerable control questions built from the corpus's own questions (the general-knowledge
controls are the standard set every run adds: core/general_knowledge.jsonl).

An unanswerable question is a fact's phrasing with one of its names swapped for a name found in
no document ("Who is the office manager in Tampere?" -> "... in Oslo?"): it reads like the
corpus's questions, retrieval finds a near miss, and nothing answers it. Train and eval topics
are disjoint: no source fact, original name or replacement name is shared between the splits, so
an eval abstention measures whether abstaining generalises, not a memorised topic.
"""

from __future__ import annotations

import random

from core.corpus import Question
from corpora.synth.spans import find_spans, is_person
from corpora.synth.templates import Fact
from core.text import contains_phrase

PEOPLE = [
    "Ines Marlowe", "Tobias Kettering", "Yara Delacroix", "Mateo Lindqvist", "Hana Oyelaran", "Felix Brandauer",
    "Sofia Castellano", "Jonas Whitcombe", "Leila Farrokh", "Oskar Pendleton", "Amara Nwachukwu", "Ruben Holloway",
    "Chiara Montague", "Elias Varga", "Noor Haddad", "Viktor Ashworth", "Maren Solberg", "Dario Quintero",
]
PLACES_AND_THINGS = [
    "Oslo", "Valencia", "Krakow", "Nagoya", "Porto", "Tallinn", "Ghent", "Bergen", "Graz", "Lyon", "Turin", "Seville",
    "Aarhus", "Bilbao", "Brno", "Cork", "Gdansk", "Leipzig", "Nantes", "Riga", "Tartu", "Zagreb", "Brightwater",
    "Copperleaf", "Ironbark", "Moonquay", "Silverfen", "Larchmont", "Kestrelnet", "Emberline", "Driftwood", "Cobaltix",
]


def unanswerable_questions(
    facts: list[tuple[Fact, dict[str, list[str]]]], document_texts: list[str], topics: int, abstention: str, seed: int
) -> list[Question]:
    """`topics` unanswerable topics per split, each asked in that split's phrasings of its source fact."""
    rng = random.Random(seed)
    absent = {
        "person": [n for n in PEOPLE if not any(contains_phrase(t, n) for t in document_texts)],
        "other": [n for n in PLACES_AND_THINGS if not any(contains_phrase(t, n) for t in document_texts)],
    }
    for pool in absent.values():
        rng.shuffle(pool)
    sources = [(fact, phr, name) for fact, phr in facts for name in _swappable_names(fact, phr)]
    rng.shuffle(sources)
    used_facts, used_names, questions = set(), set(), []
    made = {"train": 0, "eval": 0}
    for fact, phr, name in sources:
        # the split with fewer topics takes the next source: when sources are scarce both splits get some
        split = min((s for s in made if made[s] < topics and phr[s]), key=lambda s: made[s], default=None)
        kind = "person" if is_person(name, fact.sentence) else "other"
        if split is None or not absent[kind] or id(fact) in used_facts or name.text in used_names:
            continue
        new = absent[kind].pop()
        used_facts.add(id(fact))
        used_names.add(name.text)
        made[split] += 1
        topic = f"unans-{split}-{made[split]}"
        for i, q in enumerate(phr[split], start=1):
            questions.append(Question(
                id=f"{topic}-{split[0]}{i}", question=q.replace(name.text, new), answers=[abstention],
                split=split, kind="unanswerable", fact_id=topic,
            ))
    return questions


def _swappable_names(fact: Fact, phrasings: dict[str, list[str]]):
    """Names in the fact's sentence, other than its answer, that every phrasing of the fact repeats."""
    for span in find_spans(fact.sentence):
        texts = phrasings["train"] + phrasings["eval"]
        if span.kind == "name" and span != fact.span and all(span.text in q for q in texts):
            yield span

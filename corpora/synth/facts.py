"""Which facts a corpus offers: one answer span per sentence, the spans a question can target.

A span is left out when a question about it could not have one answer or would give it away:
a name in the document's title, a name found in many documents (the company's own name), or a
sentence too short or too long to make a question of. Each document offers its facts ranked by
how well their type makes a question (numbers and money first, names last), in text order within
a type; the synthesizer takes them in that order until it has enough per document.
"""

from __future__ import annotations

from collections import Counter

from core.corpus import Document
from corpora.synth.spans import find_spans
from corpora.synth.templates import Fact
from core.text import contains_phrase, normalize, split_sentences

TYPE_RANK = {"money": 0, "quantity": 1, "time": 2, "code": 3, "date": 4, "name": 5}
MIN_WORDS, MAX_WORDS = 5, 45
# A name in more than this share of the documents is what the corpus is about, not a fact of one
# document ("Quillfeather Labs"): a question about it has an answer in every document.
COMMON_NAME_SHARE = 0.2


def sentences(document: Document) -> list[str]:
    return [" ".join(s.split()) for s in split_sentences(document.text) if MIN_WORDS <= len(s.split()) <= MAX_WORDS and "?" not in s]


def common_names(documents: list[Document]) -> set[str]:
    """Normalized names that occur in more than COMMON_NAME_SHARE of the documents (and in at least 3)."""
    per_doc = Counter()
    for doc in documents:
        per_doc.update({normalize(sp.text) for s in sentences(doc) for sp in find_spans(s) if sp.kind == "name"})
    limit = max(2, COMMON_NAME_SHARE * len(documents))
    return {name for name, n in per_doc.items() if n > limit}


def candidate_facts(document: Document, common: set[str]) -> tuple[list[Fact], Counter]:
    """The document's facts, best first, and how many spans each rule left out."""
    skipped: Counter = Counter()
    facts = []
    for position, sentence in enumerate(sentences(document)):
        usable = []
        for span in find_spans(sentence):
            if span.kind == "name" and contains_phrase(document.title, span.text):
                skipped["name in the document title"] += 1
            elif span.kind == "name" and normalize(span.text) in common:
                skipped["name common to many documents"] += 1
            elif span.kind == "name" and _coordinated(sentence, span):
                skipped["name joined to another by and/or (no single answer)"] += 1
            else:
                usable.append(span)
        if usable:
            best = min(usable, key=lambda s: (TYPE_RANK[s.kind], s.start))
            skipped["other spans of a sentence that already has a fact"] += len(usable) - 1
            facts.append((TYPE_RANK[best.kind], position, Fact(document.id, document.title, sentence, best)))
    return [f for _, _, f in sorted(facts, key=lambda t: (t[0], t[1]))], skipped


def _coordinated(sentence: str, span) -> bool:
    """"between Amsterdam and Lisbon": a question about one of two joined names has two answers."""
    after, before = sentence[span.end:].split()[:2], sentence[: span.start].split()[-2:]
    joined_after = len(after) == 2 and after[0] in {"and", "or"} and after[1][:1].isupper()
    joined_before = len(before) == 2 and before[1] in {"and", "or"} and before[0][:1].isupper()
    return joined_after or joined_before

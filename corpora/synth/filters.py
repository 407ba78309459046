"""The checks every synthesized question passes, whatever wrote it, and the count of what each rejected.

- the answer occurs in its gold document (normalized, whole tokens);
- the question does not contain the answer;
- the question has at least MIN_QUESTION_WORDS words and ends in a question mark;
- no question repeats another (normalized), across all facts;
- an eval phrasing is not nearly a train phrasing of its fact: the Jaccard overlap of their
  normalized word sets stays below `synth.max_overlap`;
- the leak guard's rule (finetune/dataset.py): no eval phrasing, normalized, occurs inside any
  train phrasing or document.
"""

from __future__ import annotations

from collections import Counter

from corpora.synth.templates import Fact
from core.text import contains_phrase, normalize

MIN_QUESTION_WORDS = 4


def overlap(a: str, b: str) -> float:
    """Jaccard overlap of two texts' normalized word sets."""
    x, y = set(normalize(a).split()), set(normalize(b).split())
    return len(x & y) / len(x | y) if x | y else 1.0


class Filters:
    """Applies the checks in order and counts each rejection by its reason (for synth_report.md)."""

    def __init__(self, max_overlap: float, documents: list[str]):
        self.max_overlap = max_overlap
        self.rejected: Counter = Counter()
        self.seen: set[str] = set()
        self.train_texts: list[str] = []
        self.documents = [f" {normalize(d)} " for d in documents]

    def fact_ok(self, fact: Fact, document_text: str) -> bool:
        if not contains_phrase(document_text, fact.answers[0]):
            self.rejected["fact: answer not in its gold document"] += 1
            return False
        return True

    def train(self, fact: Fact, candidates: list[tuple[str, str]], n: int) -> list[tuple[str, str]]:
        kept = [c for c in candidates if self._common(fact, c[1])][:n]
        for _, q in kept:
            self.seen.add(normalize(q))
            self.train_texts.append(f" {normalize(q)} ")
        return kept

    def eval(self, fact: Fact, candidates: list[tuple[str, str]], train: list[str], n: int) -> list[tuple[str, str]]:
        kept = []
        for template, q in candidates:
            if len(kept) == n or not self._common(fact, q):
                continue
            if any(overlap(q, t) >= self.max_overlap for t in train):
                self.rejected["eval phrasing too close to a train phrasing"] += 1
            elif any(f" {normalize(q)} " in t for t in self.train_texts + self.documents):
                self.rejected["eval phrasing inside a train phrasing or document (leak guard)"] += 1
            else:
                self.seen.add(normalize(q))
                kept.append((template, q))
        return kept

    def _common(self, fact: Fact, question: str) -> bool:
        if not question.strip().endswith("?") or len(question.split()) < MIN_QUESTION_WORDS:
            self.rejected["not a question of at least 4 words"] += 1
        elif any(contains_phrase(question, a) for a in fact.answers):
            self.rejected["question contains the answer"] += 1
        elif normalize(question) in self.seen:
            self.rejected["duplicate question"] += 1
        else:
            return True
        return False

"""Text helpers shared by rag, finetune and eval: answer normalization and sentence splitting."""

from __future__ import annotations

import re
import string

_ARTICLES = re.compile(r"\b(a|an|the)\b")
# Punctuation becomes a space, so "190-1100" still contains "1100" and "10:30" is "10 30" on both
# sides; separators inside numbers are dropped first so "1,450" and "1450" are the same answer.
_PUNCT = re.compile(f"[{re.escape(string.punctuation)}]")
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[,.](?=\d)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def normalize(text: str) -> str:
    """SQuAD-style: lowercase, punctuation to spaces, no articles, single spaces."""
    text = _DIGIT_SEPARATOR.sub("", text.lower())  # "4,000" -> "4000", "1.5" -> "15"
    return " ".join(_ARTICLES.sub(" ", _PUNCT.sub(" ", text)).split())


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether the normalized phrase occurs in the normalized text as a whole-token span ("23" is not in "1230")."""
    tokens, wanted = normalize(text).split(), normalize(phrase).split()
    n = len(wanted)
    return n > 0 and any(tokens[i : i + n] == wanted for i in range(len(tokens) - n + 1))


def split_sentences(text: str) -> list[str]:
    """Sentences (and lines) of a text, split after ., ! or ?."""
    return _SENTENCE_END.split(text)

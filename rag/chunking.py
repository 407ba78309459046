"""Split documents into overlapping chunks that keep their document id.

Chunks are packed from whole sentences up to `size` words, so a fact is rarely cut in half (a
small reader cannot recover a half-sentence); consecutive chunks share up to `overlap` words of
trailing sentences. A sentence longer than `size` is split on word boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.corpus import Document
from core.text import split_sentences

@dataclass(frozen=True)
class Chunk:
    id: str  # "<doc_id>#<n>"
    doc_id: str
    title: str
    text: str


def chunk(documents: list[Document], size: int, overlap: int) -> list[Chunk]:
    if overlap >= size:
        raise ValueError(f"overlap ({overlap}) must be smaller than size ({size})")
    chunks = []
    for doc in documents:
        for n, text in enumerate(_pack(_sentences(doc.text, size), size, overlap)):
            chunks.append(Chunk(f"{doc.id}#{n}", doc.id, doc.title, text))
    return chunks


def _sentences(text: str, size: int) -> list[list[str]]:
    """Sentences as word lists, none longer than `size` words."""
    out = []
    for sentence in split_sentences(text):
        words = sentence.split()
        out.extend(words[i : i + size] for i in range(0, len(words), size))
    return [s for s in out if s]


def _pack(sentences: list[list[str]], size: int, overlap: int) -> list[str]:
    chunks, current = [], []
    for sentence in sentences:
        if current and sum(map(len, current)) + len(sentence) > size:
            chunks.append(current)
            current = _tail(current, overlap)
            if sum(map(len, current)) + len(sentence) > size:
                current = []
        current = current + [sentence]
    if current:
        chunks.append(current)
    return [" ".join(w for s in c for w in s) for c in chunks]


def _tail(sentences: list[list[str]], overlap: int) -> list[list[str]]:
    """The last whole sentences of a chunk whose words add up to at most `overlap`."""
    tail, words = [], 0
    for sentence in reversed(sentences):
        if words + len(sentence) > overlap:
            break
        tail.insert(0, sentence)
        words += len(sentence)
    return tail

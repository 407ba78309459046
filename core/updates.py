"""Knowledge updates and deletions: their format, loading, and applying them to a Corpus.

Beside `documents.jsonl` and `questions.jsonl`, a corpus directory may hold:

- `updates/<round>/documents.jsonl`: replacement documents (an existing id) and new ones (a new id),
  in the corpus document format;
- `updates/<round>/questions.jsonl`: every phrasing (train and eval) of each fact the round changes
  or adds, in the corpus question format, with `fact_id` (which fact it is), the new `answers`
  and the `old_answers` it replaces (empty for a new fact);
- `deletions/documents.jsonl`: `{"id": ..., "reason": ...}` per document to remove. The questions
  that name a removed document become the deletion probe: after
  removal, their current answers should no longer come out.

Rounds apply in the order of their directory names, each on the corpus the previous one left, so a
later round may change a fact again. Deletions apply after the last round.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from core.corpus import Corpus, Document, Question, check_doc_ids, load_jsonl
from core.errors import InputError

UPDATES_DIR = "updates"
DELETIONS_FILE = Path("deletions") / "documents.jsonl"


@dataclass(frozen=True)
class UpdateRound:
    name: str
    documents: list[Document]  # replacements and additions
    questions: list[Question]  # all phrasings of each changed or new fact, with their new answers

    def fact_ids(self) -> set[str]:
        return {q.fact_id for q in self.questions}

    def without(self, doc_ids: set[str]) -> UpdateRound:
        """The round minus everything about these documents (for a run on a subset of the corpus)."""
        return UpdateRound(
            self.name, [d for d in self.documents if d.id not in doc_ids], [q for q in self.questions if not set(q.doc_ids) & doc_ids]
        )

    def apply(self, corpus: Corpus) -> Corpus:
        """The corpus after this round: documents replaced by id or appended, changed facts' questions swapped."""
        incoming = {d.id: d for d in self.documents}
        documents = [incoming.pop(d.id, d) for d in corpus.documents] + list(incoming.values())
        changed = self.fact_ids()
        return corpus.with_content(documents, [q for q in corpus.questions if q.fact_id not in changed] + self.questions)


class Deletion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    reason: str | None = None


def load_update_rounds(directory: str | Path, corpus: Corpus) -> list[UpdateRound]:
    """All rounds under <directory>/updates, validated against the corpus each one applies to."""
    root = Path(directory) / UPDATES_DIR
    if not root.is_dir():
        return []
    rounds = []
    for round_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        documents = [doc for _, doc in load_jsonl(round_dir / "documents.jsonl", Document)]
        questions_path = round_dir / "questions.jsonl"
        numbered = load_jsonl(questions_path, Question)
        for line_no, q in numbered:
            if not q.fact_id:
                raise InputError(f"{questions_path} line {line_no}, field fact_id: an update question must name the fact it changes")
        rnd = UpdateRound(round_dir.name, documents, [q for _, q in numbered])
        corpus = rnd.apply(corpus)
        check_doc_ids(questions_path, numbered, {d.id for d in corpus.documents})
        rounds.append(rnd)
    return rounds


def load_deletions(directory: str | Path, corpus: Corpus) -> list[str]:
    """Ids of the documents to delete, each checked to exist in `corpus` (the corpus after all rounds)."""
    path = Path(directory) / DELETIONS_FILE
    if not path.is_file():
        return []
    known = {d.id for d in corpus.documents}
    ids = []
    for line_no, row in load_jsonl(path, Deletion):
        if row.id not in known:
            raise InputError(f"{path} line {line_no}, field id: no document {row.id!r} to delete")
        ids.append(row.id)
    return ids


def delete_documents(corpus: Corpus, doc_ids: list[str]) -> tuple[Corpus, list[Question]]:
    """The corpus without those documents, and the removed questions about them (the deletion probe)."""
    removed = set(doc_ids)
    kept = corpus.only_documents({d.id for d in corpus.documents} - removed)
    kept_ids = {q.id for q in kept.questions}
    return kept, [q for q in corpus.questions if q.id not in kept_ids]

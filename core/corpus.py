"""Corpus format, loading and validation.

A corpus is a directory with two JSON Lines files:

- `documents.jsonl`: `id`, `title`, `text`, optional `source`
- `questions.jsonl`: `id`, `question`, `answers` (accepted aliases), `doc_ids` (gold documents),
  `split` (`train` or `eval`), `kind`, optional `fact_id`, optional `old_answers` (the values an
  update round replaced; see core/updates.py)

Every problem is reported as one sentence naming the file, the line and the field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import InputError


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    source: str | None = None


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answers: list[str] = Field(min_length=1)
    doc_ids: list[str] = Field(min_length=1)
    split: Literal["train", "eval"]
    kind: str = Field(min_length=1)
    fact_id: str | None = None
    old_answers: list[str] = Field(default_factory=list)

    @field_validator("answers", "old_answers")
    @classmethod
    def _answers_not_blank(cls, value: list[str]) -> list[str]:
        if any(not a.strip() for a in value):
            raise ValueError("answers must not contain an empty string")
        return value


@dataclass(frozen=True)
class Corpus:
    documents: list[Document]
    questions: list[Question]

    def by_doc_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}

    def split(self, name: str) -> list[Question]:
        return [q for q in self.questions if q.split == name]

    def content_hash(self) -> str:
        """Hash of the documents as indexed: identifies which corpus an index was built from."""
        h = hashlib.sha256()
        for d in self.documents:
            h.update(json.dumps(d.model_dump(), sort_keys=True).encode())
        return h.hexdigest()[:16]

    def first_documents(self, n: int) -> Corpus:
        """The first n documents and only the questions whose gold documents all lie among them."""
        return self.only_documents({d.id for d in self.documents[:n]})

    def only_documents(self, keep: set[str]) -> Corpus:
        """The documents in `keep` and only the questions whose gold documents all lie among them."""
        return Corpus([d for d in self.documents if d.id in keep], [q for q in self.questions if set(q.doc_ids) <= keep])


def load_corpus(directory: str | Path, max_documents: int | None = None) -> Corpus:
    """Load and validate a corpus directory. Raises InputError naming file, line and field."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"corpus directory {directory} does not exist")
    documents = [doc for _, doc in load_jsonl(directory / "documents.jsonl", Document)]
    if not documents:
        raise InputError(f"{directory / 'documents.jsonl'}: the corpus has no documents")
    numbered_questions = load_jsonl(directory / "questions.jsonl", Question)
    check_doc_ids(directory / "questions.jsonl", numbered_questions, {d.id for d in documents})
    corpus = Corpus(documents, [q for _, q in numbered_questions])
    return corpus.first_documents(max_documents) if max_documents else corpus


def check_doc_ids(path: Path, numbered_questions: list[tuple[int, Question]], doc_ids: set[str]) -> None:
    """Every gold document a question names must exist; the error points at the question's line."""
    for line_no, q in numbered_questions:
        missing = [i for i in q.doc_ids if i not in doc_ids]
        if missing:
            raise InputError(f"{path} line {line_no}, field doc_ids: question {q.id!r} names unknown document {missing[0]!r}")


def load_jsonl(path: Path, model: type[BaseModel]) -> list[tuple[int, BaseModel]]:
    """Validated rows with their line numbers (for messages that point at a line)."""
    if not path.is_file():
        raise InputError(f"{path} does not exist")
    rows, seen = [], {}
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} line {line_no}: not valid JSON ({exc.msg})") from None
        if not isinstance(raw, dict):
            raise InputError(f"{path} line {line_no}: expected a JSON object")
        try:
            row = model.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "(object)"
            msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            raise InputError(f"{path} line {line_no}, field {field}: {msg}") from None
        if row.id in seen:
            raise InputError(f"{path} line {line_no}, field id: duplicate id {row.id!r} (first on line {seen[row.id]})")
        seen[row.id] = line_no
        rows.append((line_no, row))
    return rows

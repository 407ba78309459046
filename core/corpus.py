"""Corpus format, loading and validation.

A corpus is a directory with two JSON Lines files:

- `documents.jsonl`: `id`, `title`, `text`, optional `source`
- `questions.jsonl`: `id`, `question`, `answers` (accepted aliases), `doc_ids` (gold documents),
  `split` (`train` or `eval`), `kind`, optional `fact_id`, optional `old_answers` (the values an
  update round replaced; see core/updates.py)

and optionally `house_style.json` (core/style.py). Two question kinds are controls rather than
facts about the documents, and have no `doc_ids`:

- `unanswerable`: nothing in the corpus answers it; its accepted answer is the abstention phrase;
- `general`: well-known world knowledge (eval split only), to see whether an arm still knows what
  the base model knew.

Every problem is reported as one sentence naming the file, the line and the field.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import InputError, json_object_lines, read_utf8, validation_message
from core.origin import HAND_WRITTEN, questions_origin
from core.style import HouseStyle, load_house_style

STANDARD_GENERAL_KNOWLEDGE = Path(__file__).with_name("general_knowledge.jsonl")
UNANSWERABLE = "unanswerable"
GENERAL = "general"
CONTROL_KINDS = {UNANSWERABLE, GENERAL}


def not_blank(value: str) -> str:
    """A text field must say something: whitespace alone is as empty as nothing (it would index no chunk)."""
    if not value.strip():
        raise ValueError("must not be empty or whitespace only")
    return value


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    source: str | None = None

    @field_validator("id", "title", "text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return not_blank(value)


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answers: list[str] = Field(min_length=1)
    doc_ids: list[str] = Field(default_factory=list)
    split: Literal["train", "eval"]
    kind: str = Field(min_length=1)
    fact_id: str | None = None
    old_answers: list[str] = Field(default_factory=list)

    @field_validator("id", "question", "kind")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return not_blank(value)

    @field_validator("answers", "old_answers")
    @classmethod
    def _answers_not_blank(cls, value: list[str]) -> list[str]:
        if any(not a.strip() for a in value):
            raise ValueError("answers must not contain an empty string")
        return value

    @model_validator(mode="after")
    def _doc_ids_match_kind(self) -> Question:
        if self.kind in CONTROL_KINDS and self.doc_ids:
            raise ValueError(f"a {self.kind} question has no gold documents (doc_ids must be empty)")
        if self.kind not in CONTROL_KINDS and not self.doc_ids:
            raise ValueError("doc_ids must name at least one gold document")
        if self.kind == GENERAL and self.split != "eval":
            raise ValueError("general-knowledge questions are a control set: split must be eval")
        return self

    @property
    def answerable(self) -> bool:
        """A question about the documents (not an abstention or general-knowledge control)."""
        return self.kind not in CONTROL_KINDS


@dataclass(frozen=True)
class Corpus:
    documents: list[Document]
    questions: list[Question]
    style: HouseStyle = HouseStyle()
    origin: dict = field(default_factory=lambda: dict(HAND_WRITTEN))  # where the questions came from (questions_origin)
    withheld: frozenset[str] = frozenset()  # facts whose train questions are left out of training (withhold_train_questions)

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

    def dataset_hash(self) -> str:
        """Hash of the documents, questions and house style: identifies everything a run measured on."""
        h = hashlib.sha256(self.content_hash().encode())
        for q in self.questions:
            h.update(json.dumps(q.model_dump(), sort_keys=True).encode())
        h.update(self.style.model_dump_json().encode())
        return h.hexdigest()[:16]

    def first_documents(self, n: int) -> Corpus:
        """The first n documents and only the questions whose gold documents all lie among them."""
        return self.only_documents({d.id for d in self.documents[:n]})

    def only_documents(self, keep: set[str]) -> Corpus:
        """The documents in `keep` and only the questions whose gold documents all lie among them."""
        return self.with_content([d for d in self.documents if d.id in keep], [q for q in self.questions if set(q.doc_ids) <= keep])

    def first_controls(self, n: int) -> Corpus:
        """Only the first n questions of each control kind in each split (the others untouched)."""
        seen: dict[tuple[str, str], int] = defaultdict(int)
        kept = []
        for q in self.questions:
            if not q.answerable:
                seen[q.kind, q.split] += 1
                if seen[q.kind, q.split] > n:
                    continue
            kept.append(q)
        return self.with_content(self.documents, kept)

    def with_content(self, documents: list[Document], questions: list[Question]) -> Corpus:
        """Other documents and questions under the same house style (same origin, same withheld facts):
        a withheld fact's train questions stay out, also when an update round brings new ones."""
        kept = [q for q in questions if not (q.split == "train" and q.fact_id in self.withheld)]
        return Corpus(documents, kept, self.style, self.origin, self.withheld)

    def withhold_train_questions(self, share: float, seed: int) -> Corpus:
        """The corpus without the train questions of a `share` of the facts that have them: the eval
        then asks those facts of a fine-tune that met them only in the documents. A fact is withheld
        by a hash of the seed and its id alone, so the same facts are withheld whatever else the
        corpus holds (a subset, an update round, another eval set on the same train split: the
        same training set, whichever questions the eval asks)."""
        if share <= 0:
            return self
        withheld = frozenset(f for f in trained_facts(self) if _draw(seed, f) < share)
        return replace(self, withheld=withheld).with_content(self.documents, self.questions)

    def titles(self) -> dict[str, str]:
        """Document id by title (for resolving an answer's cited title)."""
        return {d.title: d.id for d in self.documents}


def load_corpus(
    directory: str | Path, max_documents: int | None = None, max_control_questions: int | None = None, *, general_knowledge: bool = False
) -> Corpus:
    """Load and validate a corpus directory, optionally with the standard general-knowledge set added
    after its own questions (`general_knowledge`) and cut to a subset (`first_documents`,
    `first_controls`). Raises InputError naming file, line and field."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"corpus directory {directory} " + ("is a file, not a directory" if directory.exists() else "does not exist"))
    documents = [doc for _, doc in load_jsonl(directory / "documents.jsonl", Document)]
    if not documents:
        raise InputError(f"{directory / 'documents.jsonl'}: the corpus has no documents")
    numbered_questions = load_jsonl(directory / "questions.jsonl", Question)
    check_doc_ids(directory / "questions.jsonl", numbered_questions, {d.id for d in documents})
    style = load_house_style(directory)
    check_abstentions(directory / "questions.jsonl", numbered_questions, style)
    questions = [q for _, q in numbered_questions]
    if general_knowledge:
        questions += standard_general_questions({q.id for q in questions})
    corpus = Corpus(documents, questions, style, questions_origin(directory))
    corpus = corpus.first_documents(max_documents) if max_documents else corpus
    return corpus.first_controls(max_control_questions) if max_control_questions else corpus


def standard_general_questions(taken_ids: set[str]) -> list[Question]:
    """The general-knowledge control set shipped with the project (world-knowledge questions any
    model of this size should know, eval split), less those whose id the corpus already uses: a
    corpus that lists some of them, or its own, keeps its version."""
    return [q for _, q in load_jsonl(STANDARD_GENERAL_KNOWLEDGE, Question) if q.id not in taken_ids]


def unanswerable_topics(corpus: Corpus) -> dict:
    """How many unanswerable eval topics (`fact_id`s) the corpus has, and how many of them also have
    train questions: abstaining on a topic seen in training measures memory, not abstention."""
    train = {q.fact_id or q.id for q in corpus.questions if q.kind == UNANSWERABLE and q.split == "train"}
    evals = {q.fact_id or q.id for q in corpus.questions if q.kind == UNANSWERABLE and q.split == "eval"}
    return {"eval_topics": len(evals), "seen_in_training": len(evals & train)}


def _draw(seed: int, fact_id: str) -> float:
    """A number in [0, 1) fixed by the seed and the fact id."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{fact_id}".encode()).digest()[:8], "big") / 2**64


def fold_of(seed: int, group: str, folds: int = 2) -> int:
    """Which of `folds` folds a fact (or topic) falls in, fixed by the seed and its id."""
    return min(int(_draw(seed, f"fold:{group}") * folds), folds - 1)


def trained_facts(corpus: Corpus) -> set[str]:
    """The facts that have answerable train questions: a fine-tune trained on the train split has
    seen them asked (eval questions about them measure phrasing transfer)."""
    return {q.fact_id for q in corpus.split("train") if q.answerable and q.fact_id}


def eval_fact_coverage(corpus: Corpus) -> dict:
    """How many answerable eval questions there are, and how many ask a fact that also has train
    questions: those measure phrasing transfer for a fine-tune trained on the train questions, the
    rest what it learned from the documents alone (or nothing, when it did not train on them)."""
    trained = trained_facts(corpus)
    evals = [q for q in corpus.split("eval") if q.answerable]
    return {"eval_questions": len(evals), "of_facts_with_train_questions": sum(1 for q in evals if q.fact_id in trained)}


def check_doc_ids(path: Path, numbered_questions: list[tuple[int, Question]], doc_ids: set[str]) -> None:
    """Every gold document a question names must exist; the error points at the question's line."""
    for line_no, q in numbered_questions:
        missing = [i for i in q.doc_ids if i not in doc_ids]
        if missing:
            raise InputError(f"{path} line {line_no}, field doc_ids: question {q.id!r} names unknown document {missing[0]!r}")


def check_abstentions(path: Path, numbered_questions: list[tuple[int, Question]], style: HouseStyle) -> None:
    """An unanswerable question's accepted answer is the corpus's abstention phrase (trained and matched)."""
    for line_no, q in numbered_questions:
        if q.kind == UNANSWERABLE and q.answers[0] != style.abstention:
            raise InputError(
                f"{path} line {line_no}, field answers: an unanswerable question's first answer must be the "
                f"abstention phrase {style.abstention!r}"
            )


def load_jsonl(path: Path, model: type[BaseModel]) -> list[tuple[int, BaseModel]]:
    """Validated rows with their line numbers (for messages that point at a line)."""
    if not path.is_file():
        raise InputError(f"{path} " + ("is a directory, not a file" if path.is_dir() else "does not exist"))
    rows, seen = [], {}
    for line_no, raw in json_object_lines(path, read_utf8(path)):
        try:
            row = model.model_validate(raw)
        except ValidationError as exc:
            raise InputError(f"{path} line {line_no}, {validation_message(exc)}") from None
        if row.id in seen:
            raise InputError(f"{path} line {line_no}, field id: duplicate id {row.id!r} (first on line {seen[row.id]})")
        seen[row.id] = line_no
        rows.append((line_no, row))
    return rows

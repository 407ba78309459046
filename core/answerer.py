"""The Answerer interface every arm implements, and the prompt-based answerer they share.

An arm is "where its passages come from" plus the shared prompt builder and generator: `base`
has no passage source, `rag` retrieves from the index, `oracle` looks up the gold documents.
Anything that returns `Answer`s for a batch of questions can be evaluated by the harness, which is
how metrics and the report are tested with a fake answerer and no model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from core.corpus import Corpus, Question
from core.generate import generate
from core.prompt import Passage, build_prompt
from core.style import cited_doc_ids


@dataclass
class Answer:
    question_id: str
    text: str
    passages: list[Passage] = field(default_factory=list)
    retrieve_ms: float = 0.0
    generate_ms: float = 0.0
    prompt_tokens: int = 0
    output_tokens: int = 0
    cited_doc_ids: list[str] = field(default_factory=list)  # documents the answer cites ([2] or [Title])


class Answerer(Protocol):
    def answer(self, questions: list[Question]) -> list[Answer]: ...


# Given a batch of questions, the passages to put in each prompt (same order, same length).
PassageSource = Callable[[list[Question]], list[list[Passage]]]


class PromptAnswerer:
    """Passages (if any) -> shared prompt (in the corpus's house style) -> shared batched generator."""

    def __init__(self, lm, passage_source: PassageSource | None, corpus: Corpus, *, batch_size: int, max_new_tokens: int):
        self.lm = lm
        self.passage_source = passage_source
        self.corpus = corpus  # its house style shapes the prompt; an answer without passages may still cite a title
        self.doc_ids_by_title = corpus.titles()
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens

    def answer(self, questions: list[Question]) -> list[Answer]:
        start = time.perf_counter()
        passages = self.passage_source(questions) if self.passage_source else [[] for _ in questions]
        # Retrieval runs as one batch; its wall time is shared equally by the questions in it.
        retrieve_ms = (time.perf_counter() - start) * 1000 / max(len(questions), 1) if self.passage_source else 0.0
        prompts = [build_prompt(q.question, p, self.corpus.style) for q, p in zip(questions, passages)]
        outputs = generate(self.lm, prompts, batch_size=self.batch_size, max_new_tokens=self.max_new_tokens)
        return [
            Answer(
                q.id, out.text, p, retrieve_ms, out.generate_ms, out.prompt_tokens, out.output_tokens,
                cited_doc_ids(out.text, [x.doc_id for x in p], [x.title for x in p], self.doc_ids_by_title),
            )
            for q, p, out in zip(questions, passages, outputs)
        ]

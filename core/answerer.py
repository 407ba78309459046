"""The Answerer interface every arm implements, and the prompt-based answerer they share.

An arm is "where its passages come from" plus the shared prompt builder and generator: `base`
has no passage source, `rag` retrieves from the index, `oracle` looks up the gold documents.
Anything that returns `Answer`s for a batch of questions can be evaluated by the harness, which is
how metrics and the report are tested with a fake answerer and no model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Callable, Protocol

from core.corpus import GENERAL, Corpus, Question
from core.generate import Opening, cache_opening, generate
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
    # With a retrieval-confidence gate: whether it answered (`text` is then the abstention phrase)
    # and what the reader itself wrote; None without a gate.
    gated: bool | None = None
    reader_text: str | None = None
    cached_tokens: int = 0  # of prompt_tokens, read from a cached opening (prompt caching)


class Answerer(Protocol):
    def answer(self, questions: list[Question]) -> list[Answer]: ...


# Given a batch of questions, the passages to put in each prompt (same order, same length).
PassageSource = Callable[[list[Question]], list[list[Passage]]]


class PromptAnswerer:
    """Passages (if any) -> shared prompt (in the corpus's house style) -> shared batched generator.

    `abstain_below` is the retrieval-confidence gate (one threshold, or one per question id: a
    cross-fitted gate gives each question the threshold chosen without it): when the best passage scores below it (or no
    passage comes back), the answer is the corpus's abstention phrase, as a RAG system says "I don't
    know" when nothing relevant was found. The reader still answers those questions, only so the
    report can show what the prompt alone would have done (`reader_text`); a deployed gate skips
    that, so their generation time and tokens are not counted. The general-knowledge controls are
    never gated: they measure what the model's weights kept, and a gate over the corpus's documents
    would turn every one of them away by design.
    """

    def __init__(
        self, lm, passage_source: PassageSource | None, corpus: Corpus, *, batch_size: int, max_new_tokens: int,
        abstain_below: float | Callable[[str], float | None] | None = None, cache_opening: bool = False,
    ):
        if abstain_below is not None and passage_source is None:
            raise ValueError("a retrieval-confidence gate needs a passage source")
        self.lm = lm
        self.passage_source = passage_source
        self.abstain_below = abstain_below
        self.corpus = corpus  # its house style shapes the prompt; an answer without passages may still cite a title
        self.doc_ids_by_title = corpus.titles()
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        # Prompt caching: the opening every prompt shares (a whole corpus) is computed before the
        # questions, once, so its one-time cost is measured apart from theirs (`opening`).
        self.cache_opening = cache_opening
        self.opening: Opening | None = None

    def prompts(self, questions: list[Question]) -> list[list[dict[str, str]]]:
        """The chat messages this answerer sends for these questions (retrieval included)."""
        return self._prompts(questions, self._passages(questions))

    def _prompts(self, questions: list[Question], passages: list[list[Passage]]) -> list[list[dict[str, str]]]:
        return [build_prompt(q.question, p, self.corpus.style) for q, p in zip(questions, passages)]

    def _passages(self, questions: list[Question]) -> list[list[Passage]]:
        return self.passage_source(questions) if self.passage_source else [[] for _ in questions]

    def answer(self, questions: list[Question]) -> list[Answer]:
        start = time.perf_counter()
        passages = self._passages(questions)
        # Retrieval runs as one batch; its wall time is shared equally by the questions in it.
        retrieve_ms = (time.perf_counter() - start) * 1000 / max(len(questions), 1) if self.passage_source else 0.0
        prompts = self._prompts(questions, passages)
        if self.cache_opening:
            self.opening = cache_opening(self.lm, prompts) or self.opening
        outputs = generate(
            self.lm, prompts, batch_size=self.batch_size, max_new_tokens=self.max_new_tokens, keep_opening=self.cache_opening
        )
        return [self._answer(q, p, out, retrieve_ms) for q, p, out in zip(questions, passages, outputs)]

    def _threshold(self, question: Question) -> float | None:
        if question.kind == GENERAL:
            return None
        return self.abstain_below(question.id) if callable(self.abstain_below) else self.abstain_below

    def _answer(self, question: Question, passages: list[Passage], out, retrieve_ms: float) -> Answer:
        cited = cited_doc_ids(out.text, [x.doc_id for x in passages], [x.title for x in passages], self.doc_ids_by_title)
        answer = Answer(
            question.id, out.text, passages, retrieve_ms, out.generate_ms, out.prompt_tokens, out.output_tokens, cited,
            cached_tokens=out.cached_tokens,
        )
        threshold = self._threshold(question)
        return answer if threshold is None else apply_gate(answer, threshold, self.corpus.style.abstention)


def apply_gate(answer: Answer, threshold: float, abstention: str) -> Answer:
    """`answer` behind a retrieval-confidence gate at `threshold`: the abstention phrase when the best
    passage scores below it (or none came back), the answer itself otherwise; either way the reader's
    own text is kept (`reader_text`). A gated answer costs no generation: its time and tokens are not counted."""
    reader = answer.text if answer.reader_text is None else answer.reader_text
    if not answer.passages or answer.passages[0].score < threshold:  # passages come best first
        return Answer(answer.question_id, abstention, answer.passages, answer.retrieve_ms, gated=True, reader_text=reader)
    return replace(answer, gated=False, reader_text=reader)

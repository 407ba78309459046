"""Build the Answerer for each arm. Every arm is the shared PromptAnswerer with a passage source
(by the catalogue's `passages`: none, retrieved or gold) and a model (the fine-tuned one when the
catalogue says `tuned`); this is the one place that turns an arm's entry into an answerer."""

from __future__ import annotations

from typing import Callable

from core.answerer import PassageSource, PromptAnswerer
from core.config import ExperimentConfig
from core.corpus import Corpus, Question
from core.prompt import Passage
from eval.catalogue import ARMS


def oracle_source(corpus: Corpus, retriever: PassageSource | None) -> PassageSource:
    """The gold document(s) of each question, whole: the reader's ceiling given perfect retrieval."""
    docs = corpus.by_doc_id()

    def source(questions: list[Question]) -> list[list[Passage]]:
        return [[Passage(d, d, docs[d].title, docs[d].text) for d in q.doc_ids] for q in questions]

    return source


# The catalogue's `passages` -> (corpus, retriever) -> the passage source an arm's prompts read.
PASSAGE_SOURCES: dict[str, Callable[[Corpus, PassageSource | None], PassageSource | None]] = {
    "none": lambda corpus, retriever: None,
    "retrieved": lambda corpus, retriever: retriever,
    "gold": oracle_source,
}


def answerer(cfg: ExperimentConfig, lm, source: PassageSource | None, corpus: Corpus) -> PromptAnswerer:
    """The shared prompt answerer with the configured generation settings and the corpus's house style."""
    return PromptAnswerer(lm, source, corpus, batch_size=cfg.model.batch_size, max_new_tokens=cfg.model.max_new_tokens)


def build_answerers(
    cfg: ExperimentConfig, lm, corpus: Corpus, retriever: PassageSource | None, tuned_lm=None
) -> dict[str, PromptAnswerer]:
    """One answerer per configured arm: (base or tuned model) x (no passages, retrieved, gold)."""
    answerers = {}
    for name in cfg.eval.arms:
        arm = ARMS[name]
        if arm.retrieves and retriever is None:
            raise ValueError(f"the {name} arm needs a retriever")
        if arm.tuned and tuned_lm is None:
            raise ValueError(f"the {name} arm needs the fine-tuned model")
        answerers[name] = answerer(cfg, tuned_lm if arm.tuned else lm, PASSAGE_SOURCES[arm.passages](corpus, retriever), corpus)
    return answerers


def needs_retriever(cfg: ExperimentConfig) -> bool:
    return any(ARMS[a].retrieves for a in cfg.eval.arms)


def needs_adapter(cfg: ExperimentConfig) -> bool:
    return any(ARMS[a].tuned for a in cfg.eval.arms)

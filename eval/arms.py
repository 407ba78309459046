"""Build the Answerer for each arm name. Every arm is the shared PromptAnswerer with a different
passage source; this is the one place that knows which source belongs to which arm."""

from __future__ import annotations

from core.answerer import Passage, PassageSource, PromptAnswerer
from core.config import ExperimentConfig
from core.corpus import Corpus, Question

# Arms whose answers come with retrieved passages, so recall@k and MRR apply.
RETRIEVING_ARMS = {"rag"}


def oracle_source(corpus: Corpus) -> PassageSource:
    """The gold document(s) of each question, whole: the reader's ceiling given perfect retrieval."""
    docs = corpus.by_doc_id()

    def source(questions: list[Question]) -> list[list[Passage]]:
        return [[Passage(d, d, docs[d].title, docs[d].text) for d in q.doc_ids] for q in questions]

    return source


def build_answerers(cfg: ExperimentConfig, lm, corpus: Corpus, retriever: PassageSource | None) -> dict[str, PromptAnswerer]:
    sources: dict[str, PassageSource | None] = {"base": None, "rag": retriever, "oracle": oracle_source(corpus)}
    if "rag" in cfg.eval.arms and retriever is None:
        raise ValueError("the rag arm needs a retriever")
    return {
        arm: PromptAnswerer(lm, sources[arm], batch_size=cfg.model.batch_size, max_new_tokens=cfg.model.max_new_tokens)
        for arm in cfg.eval.arms
    }

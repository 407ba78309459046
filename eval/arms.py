"""Build the Answerer for each arm name. Every arm is the shared PromptAnswerer with a different
passage source; this is the one place that knows which source belongs to which arm."""

from __future__ import annotations

from core.answerer import Passage, PassageSource, PromptAnswerer
from core.config import ExperimentConfig
from core.corpus import Corpus, Question

# Arms whose answers come with retrieved passages, so recall@k and MRR apply.
RETRIEVING_ARMS = {"rag", "hybrid"}
# Arms that answer with the fine-tuned model instead of the base model.
TUNED_ARMS = {"lora", "hybrid"}


def oracle_source(corpus: Corpus) -> PassageSource:
    """The gold document(s) of each question, whole: the reader's ceiling given perfect retrieval."""
    docs = corpus.by_doc_id()

    def source(questions: list[Question]) -> list[list[Passage]]:
        return [[Passage(d, d, docs[d].title, docs[d].text) for d in q.doc_ids] for q in questions]

    return source


def answerer(cfg: ExperimentConfig, lm, source: PassageSource | None, corpus: Corpus) -> PromptAnswerer:
    """The shared prompt answerer with the configured generation settings and the corpus's house style."""
    return PromptAnswerer(lm, source, corpus, batch_size=cfg.model.batch_size, max_new_tokens=cfg.model.max_new_tokens)


def build_answerers(
    cfg: ExperimentConfig, lm, corpus: Corpus, retriever: PassageSource | None, tuned_lm=None
) -> dict[str, PromptAnswerer]:
    """One answerer per configured arm: (base or tuned model) x (no passages, retrieved, gold)."""
    sources: dict[str, PassageSource | None] = {
        "base": None,
        "rag": retriever,
        "lora": None,
        "hybrid": retriever,
        "oracle": oracle_source(corpus),
    }
    arms = cfg.eval.arms
    if retriever is None and RETRIEVING_ARMS & set(arms):
        raise ValueError("the rag and hybrid arms need a retriever")
    if tuned_lm is None and TUNED_ARMS & set(arms):
        raise ValueError("the lora and hybrid arms need the fine-tuned model")
    return {arm: answerer(cfg, tuned_lm if arm in TUNED_ARMS else lm, sources[arm], corpus) for arm in arms}

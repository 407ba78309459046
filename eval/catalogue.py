"""The arms and metrics, as data bound to their code. Harness, tables, plots, sweeps, the verdict
and the one assembly of a run (eval/assembly.py) iterate over these entries; adding an arm or a
metric is one entry here plus, when it needs one, one function (a passage source below, a per-row
score in eval/scoring/scores.py). Entries hold the functions themselves, not their names, so a
misspelt one fails when this module loads.

An arm is where its prompt's passages come from (`passages`: none, retrieved or gold) and which
weights answer (`tuned`: the fine-tuned model). Its `side` says which approach it stands for in
the verdict (RAG, fine-tune, hybrid); reference arms (base, oracle) stand for none.

A metric is over one question set (`over`): the questions the documents answer, the unanswerable
controls, the general-knowledge controls the reference arm answers, or every row. It is
summarised as a rate with a 95% bootstrap interval, a plain mean, or percentiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from core.answerer import PassageSource
from core.corpus import Corpus, Question
from core.prompt import Passage
from eval.scoring.scores import answered, gate_aside_correct, reading_miss, recall_at_k, reciprocal_rank, retrieval_miss, row_field
from finetune.strategies import STRATEGIES

RAG, FINETUNE, HYBRID = "RAG", "fine-tune", "hybrid"
# The third option, neither side: every document in the prompt, its keys and values computed once.
WHOLE_CORPUS_SIDE = "whole corpus"


def _gold_documents(corpus: Corpus, retriever: PassageSource | None) -> PassageSource:
    """The gold document(s) of each question, whole: the reader's ceiling given perfect retrieval."""
    docs = corpus.by_doc_id()

    def source(questions: list[Question]) -> list[list[Passage]]:
        return [[Passage(d, d, docs[d].title, docs[d].text) for d in q.doc_ids] for q in questions]

    return source


def _whole_corpus(corpus: Corpus, retriever: PassageSource | None) -> PassageSource:
    """Every document of the corpus, whole, in the corpus's own order (documents.jsonl, recorded with
    the run's corpus hash): the same passages before every question, so the prompts share them."""
    passages = [Passage(d.id, d.id, d.title, d.text) for d in corpus.documents]

    def source(questions: list[Question]) -> list[list[Passage]]:
        return [passages for _ in questions]

    return source


@dataclass(frozen=True)
class Passages:
    """Where an arm's prompt passages come from: `source(corpus, retriever)` is the passage source
    its answerer reads (None: a closed-book prompt)."""

    name: str
    source: Callable[[Corpus, PassageSource | None], PassageSource | None]


NO_PASSAGES = Passages("none", lambda corpus, retriever: None)
RETRIEVED = Passages("retrieved", lambda corpus, retriever: retriever)
GOLD = Passages("gold", _gold_documents)
WHOLE_CORPUS = Passages("whole corpus", _whole_corpus)


# Which adapter a tuned arm answers with: the closed-book one (finetune/pipeline.ensure_adapter:
# question/answer pairs, and documents, with no passages) or the retrieval-augmented reader
# (ensure_raft_adapter: the same questions with retrieved passages in the prompt, RAFT).
CLOSED_BOOK, READER = "closed-book", "reader"


@dataclass(frozen=True)
class Arm:
    name: str
    description: str  # completes "`name` ..." in the report
    colour: str
    passages: Passages  # NO_PASSAGES | RETRIEVED | GOLD | WHOLE_CORPUS
    adapter: str | None = None  # None (base weights) | CLOSED_BOOK | READER
    side: str | None = None  # RAG | fine-tune | hybrid | whole corpus | None (a reference)
    gated: bool = False  # behind the retrieval-confidence gate (rag.abstain_below); a reader trained to abstain is not

    @property
    def tuned(self) -> bool:
        return self.adapter is not None

    @property
    def retrieves(self) -> bool:
        return self.passages is RETRIEVED

    @property
    def caches_corpus(self) -> bool:
        """Every prompt opens with the whole corpus: computed once and kept (prompt caching), and run
        only when it fits the model's window."""
        return self.passages is WHOLE_CORPUS

    @property
    def answerable_only(self) -> bool:
        """A ceiling arm reads the gold documents: it is asked only the questions that have them (the
        controls have none, so it would only repeat the closed-book prompt of its weights)."""
        return self.passages is GOLD


ARMS: dict[str, Arm] = {
    a.name: a
    for a in (
        Arm("base", "is the model as shipped", "#888888", NO_PASSAGES),
        Arm("rag", "reads the top-k retrieved passages", "#1f77b4", RETRIEVED, side=RAG, gated=True),
        Arm("lora", "is the model fine-tuned on the corpus with no retrieval", "#d62728", NO_PASSAGES, CLOSED_BOOK, side=FINETUNE),
        Arm(
            "raft", "is the model fine-tuned to read retrieved passages (RAFT: train questions with the gold passage among "
            "distractors) reading them", "#17becf", RETRIEVED, READER, side=HYBRID,
        ),
        Arm(
            "hybrid", "is the closed-book fine-tune reading retrieved passages (the conflict probe: weights against passage)",
            "#9467bd", RETRIEVED, CLOSED_BOOK, gated=True,
        ),
        Arm(
            "oracle", "reads the gold document, the reader's ceiling (a miss there is a reading miss, not a retrieval miss)",
            "#2ca02c", GOLD,
        ),
        Arm("raft_oracle", "is the RAFT reader given the gold document: the tuned reader's ceiling", "#98df8a", GOLD, READER),
        Arm(
            "context", "reads the whole corpus in its prompt, every document in a fixed order, its keys and values computed "
            "once and reused for every question (prompt caching)", "#bcbd22", WHOLE_CORPUS, side=WHOLE_CORPUS_SIDE,
        ),
    )
}

# The update stage measures each fine-tune strategy as its own arm, in shades of the lora arm's red.
_STRATEGY_COLOURS = ("#7f0000", "#ff7f0e", "#d62728", "#e377c2", "#8c564b")
UPDATE_ARMS: dict[str, Arm] = {
    f"lora_{s.name}": Arm(f"lora_{s.name}", s.description, _STRATEGY_COLOURS[i % len(_STRATEGY_COLOURS)], NO_PASSAGES, CLOSED_BOOK, FINETUNE)
    for i, s in enumerate(STRATEGIES.values())
}


def arm(name: str) -> Arm | None:
    """The catalogue entry of a main or update-stage arm; None for a name it does not know (an old run's)."""
    return ARMS.get(name) or UPDATE_ARMS.get(name)


def colour(name: str) -> str:
    return arm(name).colour if arm(name) else "#555555"


def side_of(name: str) -> str | None:
    return arm(name).side if arm(name) else None


def side_arm(side: str, names) -> str | None:
    """The first of `names` (arms of a run or a stage) that stands for `side`."""
    return next((n for n in names if side_of(n) == side), None)


def conflict_probe() -> str:
    """The arm that shows whether weights or passage win: the closed-book adapter reading retrieved
    passages. It stands for no side; the update stage asks it every round, plots draw it dashed."""
    return next(a.name for a in ARMS.values() if a.retrieves and a.adapter == CLOSED_BOOK)


def reference_arm() -> str:
    """The arm general knowledge is measured against: the model neither tuned nor given passages."""
    return next(a.name for a in ARMS.values() if not a.tuned and a.passages is NO_PASSAGES)


ANSWERABLE, UNANSWERABLE_SET, GENERAL_SET, ALL = "answerable", "unanswerable", "general", "all"
# The answerable questions split by what the fine-tune trained on (the row's `fact_trained`):
# facts it was also asked as other train questions (phrasing transfer), and facts it met only in
# the documents, or nowhere when it did not train on them (knowledge injection).
TRAINED_FACTS, DOCUMENT_FACTS = "trained_facts", "document_facts"


@dataclass(frozen=True)
class Metric:
    name: str
    label: str  # column header and plot title
    unit: str  # "%" for rates
    over: str  # answerable | unanswerable | general | all
    summary: str  # "rate" (mean with a 95% interval) | "mean" | "percentiles"
    higher_is_better: bool
    group: str  # "answer" (the arms table) | "behaviour" (beyond recall) | "cost" | "limits" (what limits the result)
    score: Callable[[dict], float | None] | None  # one prediction row -> its score (None: not applicable); None for update rates
    retrieval: bool = False  # only for arms that retrieve
    cached: bool = False  # only for arms whose prompts open with the cached corpus

    @property
    def interval(self) -> bool:
        return self.summary == "rate"


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (  # in report order within each group
        Metric("accuracy", "accuracy", "%", ANSWERABLE, "rate", True, "answer", row_field("correct")),
        # the two fact groups, gate aside (the reader's own answer): what the verdict's accuracy row compares
        Metric("accuracy_trained_facts", "facts trained as questions", "%", TRAINED_FACTS, "rate", True, "answer", gate_aside_correct),
        Metric("accuracy_document_facts", "facts only in documents", "%", DOCUMENT_FACTS, "rate", True, "answer", gate_aside_correct),
        Metric("exact_match", "exact match", "%", ANSWERABLE, "rate", True, "answer", row_field("exact_match")),
        # with a retrieval-confidence gate: the reader's own answers, as if there were none (what the gate costs)
        Metric("reader_accuracy", "accuracy without the gate", "%", ANSWERABLE, "rate", True, "answer", row_field("reader_correct"), retrieval=True),
        Metric("style_adherence", "style", "%", ANSWERABLE, "rate", True, "behaviour", row_field("style_ok")),
        Metric("abstention_rate", "abstains when unanswerable", "%", UNANSWERABLE_SET, "rate", True, "behaviour", row_field("abstained")),
        # with a retrieval-confidence gate (rag.abstain_below): what the reader alone did, and what the gate cost
        Metric("reader_abstention_rate", "of which by the prompt alone", "%", UNANSWERABLE_SET, "rate", True, "behaviour", row_field("reader_abstained"), retrieval=True),
        Metric("false_abstention_rate", "abstains when answerable", "%", ANSWERABLE, "rate", False, "behaviour", row_field("abstained")),
        Metric("gate_false_abstention_rate", "of which by the gate", "%", ANSWERABLE, "rate", False, "behaviour", row_field("gated"), retrieval=True),
        Metric("attribution", "right, gold source shown", "%", ANSWERABLE, "rate", True, "behaviour", row_field("attributed")),
        Metric("citation_accuracy", "cites a gold document", "%", ANSWERABLE, "rate", True, "behaviour", row_field("citation_correct")),
        Metric("general_knowledge", "general knowledge", "%", GENERAL_SET, "rate", True, "behaviour", row_field("correct")),
        Metric("recall_at_k", "recall@k", "%", ANSWERABLE, "rate", True, "answer", recall_at_k, retrieval=True),
        Metric("f1", "F1", "%", ANSWERABLE, "mean", True, "answer", row_field("f1")),
        Metric("mrr", "MRR", "", ANSWERABLE, "mean", True, "answer", reciprocal_rank, retrieval=True),
        # where a retrieving arm's wrong answers come from (eval/report/limits.py)
        Metric("retrieval_miss_rate", "lost to retrieval", "%", ANSWERABLE, "rate", False, "limits", retrieval_miss, retrieval=True),
        Metric("reading_miss_rate", "lost to reading", "%", ANSWERABLE, "rate", False, "limits", reading_miss, retrieval=True),
        # costs over the questions the system is for (the controls would otherwise dominate: 371 general-knowledge
        # questions) that the arm answered: a question the gate refused costs nothing and is counted as refused
        Metric("latency_ms", "latency p50 / p95", "ms", ANSWERABLE, "percentiles", False, "cost", answered("latency_ms")),
        Metric("prompt_tokens", "prompt tokens", "", ANSWERABLE, "mean", False, "cost", answered("prompt_tokens")),
        Metric("output_tokens", "output tokens", "", ANSWERABLE, "mean", False, "cost", answered("output_tokens")),
        # of the prompt tokens, those read from the cached corpus: a provider with prompt caching bills them at its cached rate
        Metric("cached_prompt_tokens", "of which cached", "", ANSWERABLE, "mean", False, "cost", answered("cached_tokens"), cached=True),
    )
}


def metrics_in(group: str) -> list[Metric]:
    return [m for m in METRICS.values() if m.group == group]


def applies(metric: Metric, arm_name: str) -> bool:
    entry = arm(arm_name)
    return (not metric.retrieval or bool(entry and entry.retrieves)) and (not metric.cached or bool(entry and entry.caches_corpus))

# The update stage's rates (eval/scoring/update_rates.py), over its probe and locality rows.
UPDATE_METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("efficacy", "efficacy", "%", "changed", "rate", True, "update", None),
        Metric("stale_rate", "stale", "%", "changed", "rate", False, "update", None),
        Metric("leak_rate", "leak", "%", "deleted", "rate", False, "deletion", None),
        Metric("locality", "locality", "%", "locality", "rate", True, "update", None),  # in both stages' tables
        Metric("accuracy_before", "before", "%", "changed", "rate", True, "update", None),
    )
}


def metric(name: str) -> Metric:
    return METRICS.get(name) or UPDATE_METRICS[name]

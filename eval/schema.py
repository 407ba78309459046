"""The run directory's record formats, written down once.

`predictions.jsonl` holds one `PredictionRow` per arm x question. Rows from a later stage carry
that stage's tags beside the row's own fields (`STAGE_TAGS`); the main comparison's rows carry
none, which is how a reader tells them apart (eval/rundir.py, `main_rows`).

`summary.json` is a `Summary`: per arm, each catalogue metric that applies as `<metric>` (and
`<metric>_ci`, its 95% interval, for a rate) plus the counts it rests on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TypedDict


@dataclass(frozen=True)
class PredictionRow:
    arm: str
    question_id: str
    fact_id: str | None
    kind: str
    question: str
    answer: str
    gold_answers: list[str]
    gold_doc_ids: list[str]
    correct: float  # an accepted answer occurs in the answer
    exact_match: float  # on the answer with the house-style parts removed
    f1: float
    retrieved: list[dict]  # {chunk_id, doc_id, score} per passage in the prompt, best first
    cited_doc_ids: list[str]
    abstained: float
    style_ok: float | None  # None: no house style, or not an answerable question
    citation_correct: float | None  # None: not an answerable question
    retrieve_ms: float
    generate_ms: float
    latency_ms: float
    prompt_tokens: int
    output_tokens: int
    # Fields added after runs were first recorded: None in older rows, which leaves their metrics out.
    attributed: float | None = None  # right, and the source shown for it is gold; None: not an answerable question
    gated: float | None = None  # 1.0: the retrieval-confidence gate answered; None: no gate on this arm
    reader_abstained: float | None = None  # the reader's own answer abstains (with a gate); None: no gate
    reader_correct: float | None = None  # the reader's own answer is right (with a gate, answerable questions)
    reader_answer: str | None = None  # what the reader wrote when the gate answered instead
    fact_trained: float | None = None  # 1.0: the fact has train questions (phrasing transfer); 0.0: it has none; None: no fact
    cached_tokens: int | None = None  # of prompt_tokens, read from a cached opening (prompt caching); None in older rows

    def to_dict(self) -> dict:
        return asdict(self)


# Tags a stage adds to its rows: `stage` (seed | update | deletion) and what else it needs.
STAGE_TAGS = {
    "stage": "which stage answered: seed, update or deletion",
    "seed": "seed stage: the training seed",
    "round": "update stage: the round's name (None for deletions)",
    "probe": "update stage: changed, deleted or locality",
    "old_answers": "update stage: the values a change replaced",
    "stale": "update stage: 1.0 when the answer still gives an old value",
    "reader_stale": "update stage, with a gate: `stale` of the reader's own answer",
}


def tagged(rows: list[dict], **tags) -> list[dict]:
    """Rows with stage tags added; a tag not in STAGE_TAGS is a programming error."""
    unknown = set(tags) - set(STAGE_TAGS)
    if unknown:
        raise ValueError(f"unknown stage tags {sorted(unknown)}")
    return [{**r, **tags} for r in rows]


class RunInfo(TypedDict, total=False):
    name: str
    config: dict  # the fully resolved config
    seed: int
    started: str
    finished: str
    stages: dict[str, float]  # wall seconds per stage


class MetaInfo(TypedDict, total=False):
    git_hash: str | None
    corpus: dict | None  # documents, questions, hash, origin, unanswerable_topics, eval_facts
    packages: dict[str, str | None]
    python: str
    model: dict  # name, weights_sha256
    embedder: str | None
    device: str
    dtype: str
    threads: int
    platform: str
    cpu: dict  # {model, isa}: the CPU kind a run reproduces bit for bit on


class Summary(TypedDict, total=False):
    run_info: RunInfo
    meta_info: MetaInfo
    arms: dict[str, dict]  # arm -> metric -> value (and `<metric>_ci`), plus n, n_unanswerable, n_general
    controls: dict  # how many control questions the behaviour metrics rest on
    retrieval: dict  # the retriever's recall@k and MRR at depth, ms per query
    gate: dict  # the retrieval-confidence gate: threshold (None: no gate), how it was set, its cross-fitted calibration, per_question thresholds
    index: dict  # what the index cost: retriever, chunks, build_seconds, size_mb, reused
    seeds: dict
    updates: dict
    deletions: dict

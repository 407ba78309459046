"""The update-strategy registry: how the fine-tune absorbs a knowledge-update round.

A strategy is a function that says what to train on for a round (a `TrainingPlan`), given the
corpus after the round, the round, the seed and how many unchanged facts to replay. The update
stage trains each configured strategy's plan and measures it as the arm `lora_<name>`;
`updates.strategies` in the config accepts exactly the names registered here.

    full          retrain from the base model on the whole updated corpus
    delta         continue the current adapter on the round's documents and questions
    delta_replay  the same plus the train questions of a sample of unchanged facts
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from core.corpus import Corpus
from core.updates import UpdateRound


@dataclass(frozen=True)
class TrainingPlan:
    corpus: Corpus  # what the training set is built from
    continues: bool  # continue the current adapter (True) or train from the base model
    titles_from: Corpus | None = None  # where gold documents' titles come from when `corpus` is a subset


@dataclass(frozen=True)
class Strategy:
    name: str
    description: str
    from_scratch: bool  # retrains on the whole corpus: the one way weights forget a deleted document
    plan: Callable[[Corpus, UpdateRound, int, int], TrainingPlan]  # (corpus after, round, seed, replay facts)


def full(corpus: Corpus, rnd: UpdateRound, seed: int, replay_facts: int) -> TrainingPlan:
    return TrainingPlan(corpus, continues=False)


def delta(corpus: Corpus, rnd: UpdateRound, seed: int, replay_facts: int) -> TrainingPlan:
    return _changed_only(corpus, rnd, [])


def delta_replay(corpus: Corpus, rnd: UpdateRound, seed: int, replay_facts: int) -> TrainingPlan:
    others = sorted({q.fact_id for q in corpus.questions if q.answerable} - rnd.fact_ids())
    replay = set(random.Random(f"{seed}/{rnd.name}").sample(others, min(replay_facts, len(others))))
    return _changed_only(corpus, rnd, [q for q in corpus.split("train") if q.fact_id in replay])


def _changed_only(corpus: Corpus, rnd: UpdateRound, replayed: list) -> TrainingPlan:
    docs = corpus.by_doc_id()
    # the replayed facts' documents are not trained on again, but their titles are (house style)
    subset = corpus.with_content([docs[d.id] for d in rnd.documents], list(rnd.questions) + replayed)
    return TrainingPlan(subset, continues=True, titles_from=corpus)


STRATEGIES: dict[str, Strategy] = {
    s.name: s
    for s in (
        Strategy("full", "retrain from the base model on the updated corpus", True, full),
        Strategy("delta", "continue the adapter on the changed facts", False, delta),
        Strategy("delta_replay", "continue the adapter on the changed facts plus a replay sample", False, delta_replay),
    )
}

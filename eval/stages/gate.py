"""The retrieval-confidence gate of the retrieving arms (`rag.abstain_below`): when the best
retrieved passage scores below the threshold, the arm answers the abstention phrase without
generating, the usual way a RAG system says "I don't know" when nothing relevant was found.

`auto` calibrates the threshold on the train split, never on the questions it is evaluated on: the
best passage's score for each answerable train question and each unanswerable one, and the
threshold with the best balanced accuracy (the mean of the share of unanswerable questions gated
and the share of answerable ones let through). A threshold chosen on the same questions it is
judged on looks better than it is (several phrasings of one fact score alike), so `auto` first
checks it out of sample: the train facts and unanswerable topics fall into two folds by a hash of
the seed and their id, a threshold calibrated on one fold is applied to the other, and the net
gain is the share of held-out unanswerable questions it gates less the share of held-out
answerable ones it turns away. With no net gain (or too few questions to check) `auto` sets no
gate: it would only cost right answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.config import ExperimentConfig
from core.corpus import UNANSWERABLE, Corpus, fold_of


@dataclass(frozen=True)
class Gate:
    threshold: float | None  # None: no gate
    how: str  # "calibrated on the train split" | "set in the config" | why there is none
    calibration: dict = field(default_factory=dict)  # train-split figures when calibrated

    def record(self) -> dict:
        """What summary.json keeps (`gate`): the report states the threshold and how it was set."""
        return {"threshold": self.threshold, "how": self.how, "calibration": self.calibration}


def best_threshold(answerable: list[float], unanswerable: list[float]) -> tuple[float, float]:
    """(threshold, balanced accuracy) gating scores strictly below the threshold. Candidates lie
    halfway between neighbouring distinct scores; on a tie the lowest threshold wins (it turns away
    the fewest answerable questions)."""
    if not answerable or not unanswerable:
        raise ValueError("calibrating a gate needs answerable and unanswerable questions")
    a, u = np.asarray(answerable, dtype=float), np.asarray(unanswerable, dtype=float)
    distinct = np.unique(np.concatenate([a, u]))
    candidates = np.concatenate([[distinct[0]], (distinct[:-1] + distinct[1:]) / 2, [np.nextafter(distinct[-1], np.inf)]])
    balanced = [0.5 * ((u < t).mean() + (a >= t).mean()) for t in candidates]
    best = int(np.argmax(balanced))  # argmax returns the first (lowest) of equal values
    return float(candidates[best]), float(balanced[best])


def best_scores(retriever, questions) -> list[float]:
    """The score of the best passage retrieved for each question (-inf when none comes back)."""
    return [p[0].score if p else float("-inf") for p in retriever(questions)]


def resolve_gate(cfg: ExperimentConfig, corpus: Corpus, retriever) -> Gate:
    """The gate the retrieving arms use on this run, as `rag.abstain_below` says."""
    setting = cfg.rag.abstain_below
    if setting is None:
        return Gate(None, "turned off (rag.abstain_below: null)")
    if setting != "auto":
        return Gate(float(setting), "set in the config (rag.abstain_below)")
    train = corpus.split("train")
    answerable = [q for q in train if q.answerable]
    unanswerable = [q for q in train if q.kind == UNANSWERABLE]
    if not answerable or not unanswerable:
        return Gate(None, "none: auto needs answerable and unanswerable train questions to calibrate on")
    a_scores, u_scores = best_scores(retriever, answerable), best_scores(retriever, unanswerable)
    threshold, balanced = best_threshold(a_scores, u_scores)
    calibration = {
        "threshold": threshold, "answerable": len(answerable), "unanswerable": len(unanswerable), "balanced_accuracy": balanced,
        "abstention_rate": float(np.mean([s < threshold for s in u_scores])),
        "false_abstention_rate": float(np.mean([s < threshold for s in a_scores])),
    }
    if balanced <= 0.5:
        return Gate(None, "none: on the train split no threshold separates unanswerable from answerable questions", calibration)
    held_out = held_out_check(
        [(q.fact_id or q.id, s) for q, s in zip(answerable, a_scores)], [(q.fact_id or q.id, s) for q, s in zip(unanswerable, u_scores)],
        cfg.run.seed,
    )
    calibration["held_out"] = held_out
    if held_out is None:
        return Gate(None, "none: too few train facts or unanswerable topics in a fold to check a threshold out of sample", calibration)
    if held_out["net_gain"] <= 0:
        return Gate(None, "none: calibrated on one half of the train facts, no threshold gained on the other half", calibration)
    return Gate(threshold, "calibrated on the train split, checked on held-out facts", calibration)


def held_out_check(answerable: list[tuple[str, float]], unanswerable: list[tuple[str, float]], seed: int) -> dict | None:
    """Two-fold cross-validation grouped by fact (topic): each fold's threshold, calibrated on the
    other fold, applied to it. Returns the thresholds, the pooled held-out shares gated, and the net
    gain (unanswerable gated less answerable gated); None when a fold lacks either kind."""
    a_folds = [(fold_of(seed, g), s) for g, s in answerable]
    u_folds = [(fold_of(seed, g), s) for g, s in unanswerable]
    folds = []
    for held in (0, 1):
        fit_a, test_a = [s for f, s in a_folds if f != held], [s for f, s in a_folds if f == held]
        fit_u, test_u = [s for f, s in u_folds if f != held], [s for f, s in u_folds if f == held]
        if not (fit_a and fit_u and test_a and test_u):
            return None
        threshold, _ = best_threshold(fit_a, fit_u)
        folds.append((threshold, sum(s < threshold for s in test_u), len(test_u), sum(s < threshold for s in test_a), len(test_a)))
    abstention = sum(f[1] for f in folds) / sum(f[2] for f in folds)
    false_abstention = sum(f[3] for f in folds) / sum(f[4] for f in folds)
    return {
        "thresholds": [f[0] for f in folds], "abstention_rate": abstention, "false_abstention_rate": false_abstention,
        "net_gain": abstention - false_abstention,
    }

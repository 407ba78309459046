"""The retrieval-confidence gate of the retrieving arms (`rag.abstain_below`): when the best
retrieved passage scores below the threshold, the arm answers the abstention phrase without
generating, the usual way a RAG system says "I don't know" when nothing relevant was found.

`auto` calibrates the threshold on questions of the kind it will face: the eval questions
themselves, cross-fitted. A gate is a trade: on an unanswerable question it gains an abstention
(where the reader would have answered), on an answerable one it costs a right answer (where the
reader would have got it). The eval questions fall into FOLDS folds by fact (or topic, for an
unanswerable question); each fold's threshold is the one with the largest net gain (abstention
gained less accuracy lost) on the *other* folds, with the accuracy lost at most `rag.gate_max_cost`,
and is applied to that fold only, so no question judges a threshold it chose. Train phrasings were
the old calibration set: they sit closer to the documents than the questions people ask, so a
threshold chosen on them turned away most real questions, and no check on them could see it.

The rag arm's reader answers the eval questions first with the gate open (it answers them anyway
so the report can replay any threshold); the thresholds come from those answers, and the rag arm
replays them behind the gate (no generation again). Where the cross-fitted thresholds gain nothing net out of
sample, `auto` sets no gate and says so. A question the run did not calibrate on (an update
round's, the workshop's) gets the threshold chosen on every eval question: the one you would deploy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from core.answerer import Answer, Answerer, apply_gate
from core.config import ExperimentConfig
from core.corpus import GENERAL, UNANSWERABLE, Corpus, Question, fold_of
from eval.scoring import metrics

FOLDS = 5
OPEN = float("-inf")  # a gate that turns nothing away, but keeps the reader's own answer on each row


@dataclass(frozen=True)
class Gate:
    threshold: float | None  # the deployed threshold (None: no gate); what questions outside the calibration get
    how: str  # how it was set, or why there is none
    calibration: dict = field(default_factory=dict)  # the cross-fitted figures when `auto` calibrated it
    per_question: dict[str, float | None] = field(default_factory=dict)  # an eval question's own out-of-sample threshold
    pending: bool = False  # `auto` before the rag arm has answered

    def threshold_for(self, question_id: str) -> float | None:
        return self.per_question.get(question_id, self.threshold)

    def record(self) -> dict:
        """What summary.json keeps (`gate`): the report states the thresholds and how they were set."""
        return {"threshold": self.threshold, "how": self.how, "calibration": self.calibration, "per_question": self.per_question}


def resolve_gate(cfg: ExperimentConfig, recorded: dict | None = None) -> Gate:
    """The gate as `rag.abstain_below` says; `auto` is pending until the rag arm answers
    (calibrate_gate), unless a finished run `recorded` it (the workshop and `ragvsft update` reuse it)."""
    setting = cfg.rag.abstain_below
    if setting is None:
        return Gate(None, "turned off (rag.abstain_below: null)")
    if setting != "auto":
        return Gate(float(setting), "set in the config (rag.abstain_below)")
    if recorded is not None:
        return Gate(recorded["threshold"], recorded["how"], recorded.get("calibration", {}), recorded.get("per_question", {}))
    return Gate(None, "auto: calibrated once the rag arm has answered", pending=True)


def _best_score(answer: Answer) -> float:
    return answer.passages[0].score if answer.passages else float("-inf")


@dataclass(frozen=True)
class Outcomes:
    """What the open-gate reader did on the calibration questions: the best passage's score, and
    whether gating the question would gain (an unanswerable one the reader answered) or cost (an
    answerable one the reader got right)."""

    scores: np.ndarray
    answerable: np.ndarray  # bool
    stake: np.ndarray  # 1.0 where gating it changes the outcome (gain or cost), else 0.0

    def trade(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(abstention gained on the unanswerable, accuracy lost on the answerable) per threshold, as shares."""
        gated = self.scores[None, :] < thresholds[:, None]
        won = gated & (self.stake > 0)
        gain = won[:, ~self.answerable].mean(axis=1) if (~self.answerable).any() else np.zeros(len(thresholds))
        cost = won[:, self.answerable].mean(axis=1) if self.answerable.any() else np.zeros(len(thresholds))
        return gain, cost

    def subset(self, mask: np.ndarray) -> Outcomes:
        return Outcomes(self.scores[mask], self.answerable[mask], self.stake[mask])


def outcomes(questions: list[Question], answers: list[Answer], corpus: Corpus) -> Outcomes:
    style = corpus.style
    stake = [
        metrics.accuracy([a.reader_text or a.text], [q.answers]).value if q.answerable else float(not style.abstains(a.reader_text or a.text))
        for q, a in zip(questions, answers)
    ]
    return Outcomes(np.array([_best_score(a) for a in answers]), np.array([q.answerable for q in questions]), np.array(stake))


def best_trade(found: Outcomes, max_cost: float) -> dict | None:
    """The threshold with the largest net gain (gain - cost) whose cost is at most `max_cost`; on a
    tie the lowest (it turns away the fewest). None when no threshold gains net or either kind is missing."""
    if found.answerable.all() or not found.answerable.any():
        return None
    distinct = np.unique(found.scores[np.isfinite(found.scores)])
    if not len(distinct):
        return None
    candidates = np.concatenate([(distinct[:-1] + distinct[1:]) / 2, [np.nextafter(distinct[-1], np.inf)]])
    gain, cost = found.trade(candidates)
    net = np.where(cost <= max_cost + 1e-12, gain - cost, -np.inf)
    best = int(np.argmax(net))
    if net[best] <= 0:
        return None
    return {"threshold": float(candidates[best]), "gain": float(gain[best]), "cost": float(cost[best])}


def calibrate_gate(cfg: ExperimentConfig, questions: list[Question], answers: list[Answer], corpus: Corpus) -> Gate:
    """`auto`: cross-fitted thresholds from the rag reader's open-gate answers to the eval questions."""
    asked = [(q, a) for q, a in zip(questions, answers) if q.kind != GENERAL]  # the controls of forgetting are never gated
    if not any(q.kind == UNANSWERABLE for q, _ in asked) or not any(q.answerable for q, _ in asked):
        return Gate(None, "none: auto needs answerable and unanswerable eval questions to calibrate on")
    found = outcomes([q for q, _ in asked], [a for _, a in asked], corpus)
    fold = np.array([fold_of(cfg.run.seed, q.fact_id or q.id, FOLDS) for q, _ in asked])
    max_cost = cfg.rag.gate_max_cost
    chosen = [best_trade(found.subset(fold != k), max_cost) for k in range(FOLDS)]
    own = np.array([chosen[k]["threshold"] if chosen[k] else -np.inf for k in fold])
    gated = found.scores < own
    won = gated & (found.stake > 0)  # gated where it changed the outcome: a gain or a cost
    answerable, unanswerable = found.answerable, ~found.answerable
    held_out = {
        "abstention_gained": float(won[unanswerable].mean()),
        "accuracy_lost": float(won[answerable].mean()),
        "abstention_rate": float(gated[unanswerable].mean()),  # gated, whatever the reader would have done
        "false_abstention_rate": float(gated[answerable].mean()),
    }
    held_out["net_gain"] = held_out["abstention_gained"] - held_out["accuracy_lost"]
    overall = best_trade(found, max_cost)
    calibration = {
        "on": "the eval questions, cross-fitted", "folds": FOLDS, "max_cost": max_cost,
        "answerable": int(answerable.sum()), "unanswerable": int(unanswerable.sum()),
        "fold_thresholds": [c["threshold"] if c else None for c in chosen], "held_out": held_out, "overall": overall,
    }
    if held_out["net_gain"] <= 0 or overall is None:
        return Gate(None, (
            f"none: cross-fitted on the eval questions ({FOLDS} folds by fact), no threshold costing at most "
            f"{max_cost:.0%} of the reader's accuracy gained abstention net out of sample"
        ), calibration)
    per_question = {q.id: (float(t) if np.isfinite(t) else None) for (q, _), t in zip(asked, own)}
    how = f"cross-fitted on the eval questions ({FOLDS} folds by fact, each fold's threshold chosen on the others, cost at most {max_cost:.0%})"
    return Gate(overall["threshold"], how, calibration, per_question)


class ReplayedBehindGate:
    """An arm's open-gate answers replayed behind the calibrated gate: what it would have answered,
    without generating again. Questions it holds no answer for (the general-knowledge controls,
    never gated) go to `fallback`, the arm's own answerer."""

    def __init__(self, answers: list[Answer], gate: Gate, abstention: str, fallback: Answerer):
        self.answers = {a.question_id: a for a in answers}
        self.gate, self.abstention, self.fallback = gate, abstention, fallback

    def answer(self, questions: list[Question]) -> list[Answer]:
        missing = [q for q in questions if q.id not in self.answers]
        extra = {a.question_id: a for a in self.fallback.answer(missing)} if missing else {}
        return [self._one(q) if q.id in self.answers else extra[q.id] for q in questions]

    def _one(self, question: Question) -> Answer:
        answer, threshold = self.answers[question.id], self.gate.threshold_for(question.id)
        if self.gate.threshold is None and not self.gate.per_question:  # no gate: the rows say so (no gate fields)
            return replace(answer, gated=None, reader_text=None)
        if question.kind == GENERAL or threshold is None:
            return answer
        return apply_gate(answer, threshold, self.abstention)

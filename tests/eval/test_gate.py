"""The retrieval-confidence gate: cross-fitted calibration on the eval questions, and answering with it."""

from __future__ import annotations

import random

import pytest

from core.answerer import Answer, PromptAnswerer
from core.config import ExperimentConfig
from core.corpus import Question, fold_of, load_corpus
from core.prompt import Passage
from eval.report.gate_trade import fixed, trade
from eval.scoring.harness import run_arm, summarize_arm
from eval.stages.gate import FOLDS, OPEN, Gate, ReplayedBehindGate, best_trade, calibrate_gate, outcomes, resolve_gate
from tests.conftest import SMALL_QUESTIONS, write_corpus


UNANSWERABLE = [
    {"id": f"u{i}-{s}", "question": f"What is the {topic} policy?", "answers": ["I don't know"], "doc_ids": [], "split": s, "kind": "unanswerable", "fact_id": f"u{i}"}
    for i, (topic, s) in enumerate((("pet", "train"), ("dress", "train"), ("gym", "eval")))
]
GENERAL = {"id": "g1", "question": "What is the capital of France?", "answers": ["Paris"], "doc_ids": [], "split": "eval", "kind": "general", "fact_id": "g1"}


class ScoredRetriever:
    """Retrieves the `leave` document with a score per question: high for answerable ones, low for the rest."""

    def __init__(self, scores: dict[str, float]):
        self.scores = scores

    def __call__(self, questions):
        return [[Passage("leave#0", "leave", "Leave Policy", "Staff get 27 days.", self.scores.get(q.id, 0.9))] for q in questions]


@pytest.fixture
def corpus(tmp_path):
    return load_corpus(write_corpus(tmp_path / "c", questions=[*SMALL_QUESTIONS, *UNANSWERABLE, GENERAL]))


def config(value) -> ExperimentConfig:
    return ExperimentConfig(name="gate", rag={"abstain_below": value})


def calibration_set(n: int, answerable_score, unanswerable_score, right=lambda i: True) -> tuple[list[Question], list[Answer]]:
    """n answerable facts and n unanswerable topics among the eval questions, the open-gate answers
    to them (best passage scores from the two functions of the question's number) and what the reader said."""
    questions, answers = [], []
    for i in range(n):
        questions.append(Question(id=f"a{i}", question=f"How many days {i}?", answers=["27"], doc_ids=["leave"], split="eval", kind="fact", fact_id=f"fa{i}"))
        answers.append(Answer(f"a{i}", "27 days" if right(i) else "no idea", [Passage("leave#0", "leave", "Leave", "27", answerable_score(i))]))
        questions.append(Question(id=f"n{i}", question=f"Pets {i}?", answers=["I don't know"], split="eval", kind="unanswerable", fact_id=f"fn{i}"))
        answers.append(Answer(f"n{i}", "Pets are welcome", [Passage("leave#0", "leave", "Leave", "27", unanswerable_score(i))]))
    return questions, answers


def test_the_threshold_with_the_largest_net_gain_within_the_cost_cap_and_the_lowest_on_a_tie(corpus):
    questions, answers = calibration_set(10, lambda i: 0.5 + 0.04 * i, lambda i: 0.1 + 0.05 * i)  # 0.5..0.86 and 0.1..0.55
    found = outcomes(questions, answers, corpus)
    best = best_trade(found, max_cost=0.0)
    # below 0.5 lie 8 unanswerable and no answerable question: 80 points gained at no cost
    assert best["gain"] == pytest.approx(0.8) and best["cost"] == 0.0 and 0.45 < best["threshold"] < 0.5
    # going higher gains one unanswerable question per right answer lost: no more net, so the lowest stays
    loose = best_trade(found, max_cost=0.2)
    assert loose["threshold"] == best["threshold"]
    # a wrong answer is no cost to turn away: with the reader wrong below 0.6, the gate may go higher for free
    questions, answers = calibration_set(10, lambda i: 0.5 + 0.04 * i, lambda i: 0.1 + 0.05 * i, right=lambda i: i >= 3)
    free = best_trade(outcomes(questions, answers, corpus), max_cost=0.0)
    assert free["gain"] == 1.0 and free["cost"] == 0.0
    # nothing separates the kinds: no threshold gains net
    questions, answers = calibration_set(10, lambda i: 0.5, lambda i: 0.5)
    assert best_trade(outcomes(questions, answers, corpus), max_cost=0.05) is None


def test_auto_is_cross_fitted_on_the_eval_questions_and_each_question_faces_its_own_folds_threshold(corpus):
    questions, answers = calibration_set(40, lambda i: 0.6 + 0.005 * i, lambda i: 0.1 + 0.005 * i)
    gate = calibrate_gate(config("auto"), questions, answers, corpus)
    assert gate.threshold is not None and "cross-fitted" in gate.how and len(gate.calibration["fold_thresholds"]) == FOLDS
    folds = {q.id: fold_of(0, q.fact_id, FOLDS) for q in questions}
    for q in questions:  # the threshold a question faces is its fold's, chosen without it
        assert gate.threshold_for(q.id) == gate.calibration["fold_thresholds"][folds[q.id]]
    held = gate.calibration["held_out"]
    assert held["abstention_gained"] == 1.0 and held["accuracy_lost"] == 0.0 and held["net_gain"] == 1.0
    assert gate.threshold_for("not-calibrated") == gate.threshold  # an update round's question faces the deployed one


def test_auto_turns_itself_off_when_no_threshold_gains_out_of_sample(corpus):
    # scores that say nothing about the kind: in sample some threshold always seems to gain (it fits the noise);
    # chosen on the other folds and applied to each, the thresholds lose net, so no gate
    draw = random.Random(7)
    a, u = [draw.random() for _ in range(40)], [draw.random() for _ in range(40)]
    questions, answers = calibration_set(40, lambda i: a[i], lambda i: u[i])
    in_sample = best_trade(outcomes(questions, answers, corpus), max_cost=0.05)
    assert in_sample is not None and in_sample["gain"] > in_sample["cost"]
    gate = calibrate_gate(config("auto"), questions, answers, corpus)
    assert gate.threshold is None and not gate.per_question and gate.how.startswith("none: cross-fitted")
    assert gate.calibration["held_out"]["net_gain"] <= 0


def test_the_cost_cap_holds_where_the_largest_net_gain_would_cost_more(corpus):
    # unanswerable at 0.1-0.3; the reader's right answers spread from 0.2 to 0.9: gating up to 0.3 gains all
    # 20 abstentions for 3 of 20 right answers (net +85 points) but costs 15%; at most 5% allows one
    questions, answers = calibration_set(20, lambda i: 0.2 + 0.035 * i, lambda i: 0.1 + 0.01 * i)
    loose = best_trade(outcomes(questions, answers, corpus), max_cost=1.0)
    capped = best_trade(outcomes(questions, answers, corpus), max_cost=0.05)
    assert loose["cost"] == pytest.approx(0.15) and capped["cost"] <= 0.05 and capped["threshold"] < loose["threshold"]


def test_resolve_gate_says_how_and_a_finished_runs_gate_is_reused():
    assert resolve_gate(config(0.3)).threshold == 0.3 and resolve_gate(config(None)).threshold is None
    assert resolve_gate(config("auto")).pending
    recorded = {"threshold": 0.4, "how": "cross-fitted", "calibration": {}, "per_question": {"q2": 0.3}}
    reused = resolve_gate(config("auto"), recorded)
    assert not reused.pending and reused.threshold_for("q2") == 0.3 and reused.threshold_for("new") == 0.4


def test_auto_sets_no_gate_without_unanswerable_eval_questions(corpus):
    questions, answers = calibration_set(5, lambda i: 0.9, lambda i: 0.1)
    answerable = [(q, a) for q, a in zip(questions, answers) if q.answerable]
    gate = calibrate_gate(config("auto"), [q for q, _ in answerable], [a for _, a in answerable], corpus)
    assert gate.threshold is None and "unanswerable eval questions" in gate.how


def test_open_gate_answers_replayed_behind_the_gate_match_a_gated_answerer(corpus, tiny_lm):
    questions = corpus.split("eval")
    retriever = ScoredRetriever({"u2-eval": 0.1, "q2": 0.2, "g1": 0.0})
    open_answers = PromptAnswerer(tiny_lm, retriever, corpus, batch_size=4, max_new_tokens=3, abstain_below=OPEN).answer(questions)
    gate = Gate(0.5, "set", per_question={"q3": 0.95})  # q3 faces a threshold above its score
    direct_answerer = PromptAnswerer(tiny_lm, retriever, corpus, batch_size=4, max_new_tokens=3, abstain_below=gate.threshold_for)
    held = [a for a in open_answers if a.question_id != "g1"]  # the general control is answered by the fallback
    replayed = ReplayedBehindGate(held, gate, corpus.style.abstention, direct_answerer).answer(questions)
    direct = direct_answerer.answer(questions)
    strip = lambda a: (a.question_id, a.text, a.gated, a.reader_text, a.output_tokens)  # noqa: E731
    assert [strip(a) for a in replayed] == [strip(a) for a in direct]
    assert {a.question_id for a in replayed if a.gated} == {"u2-eval", "q2", "q3"}
    off = ReplayedBehindGate(open_answers, Gate(None, "none"), corpus.style.abstention, direct_answerer).answer(questions)
    assert all(a.gated is None and a.reader_text is None for a in off)


def test_a_gated_question_gets_the_abstention_phrase_and_the_reader_is_still_reported(corpus, tiny_lm):
    questions = corpus.split("eval")  # q2, q3, q4, u2-eval, g1
    retriever = ScoredRetriever({"u2-eval": 0.1, "q2": 0.2, "g1": 0.0})  # q2's gold passage is retrieved, with a low score
    gated = PromptAnswerer(tiny_lm, retriever, corpus, batch_size=4, max_new_tokens=3, abstain_below=0.5)
    rows = {r["question_id"]: r for r in run_arm("rag", gated, questions, corpus)}
    assert rows["u2-eval"]["answer"] == "I don't know" and rows["u2-eval"]["gated"] == 1.0 and rows["u2-eval"]["abstained"] == 1.0
    assert rows["u2-eval"]["generate_ms"] == 0 and rows["u2-eval"]["output_tokens"] == 0  # a deployed gate generates nothing
    assert rows["u2-eval"]["reader_abstained"] == 0.0  # the tiny random reader never abstains by itself
    assert rows["q3"]["gated"] == 0.0 and rows["q3"]["answer"] != "I don't know" and rows["q3"]["output_tokens"] > 0
    # a general-knowledge control measures the weights: never gated, whatever its score
    assert rows["g1"]["gated"] is None and rows["g1"]["answer"] != "I don't know"
    summary = summarize_arm(list(rows.values()), "rag", bootstrap_samples=100, seed=0)
    assert summary["abstention_rate"] == 1.0 and summary["reader_abstention_rate"] == 0.0
    assert summary["gate_false_abstention_rate"] == pytest.approx(1 / 3)  # q2 turned away
    assert rows["q2"]["reader_answer"] and rows["q2"]["reader_correct"] == 0.0 and rows["q3"]["reader_answer"] is None
    assert summary["reader_accuracy"] == 0.0  # what the arm would score without the gate
    # costs are over the questions answered: the refused one (q2) costs nothing and is counted apart
    answered = [rows[q]["prompt_tokens"] for q in ("q3", "q4")]
    assert summary["refused"] == 1 and summary["prompt_tokens"] == sum(answered) / 2 and rows["q2"]["prompt_tokens"] == 0
    # the report replays the rows at any threshold: at the arm's own it gives the arm's numbers, without one the reader's
    at_own, none = trade(list(rows.values()), fixed(0.5)), trade(list(rows.values()), fixed(None))
    assert at_own["abstention_rate"] == summary["abstention_rate"] and at_own["accuracy"] == summary["accuracy"]
    assert at_own["false_abstention_rate"] == summary["false_abstention_rate"] == pytest.approx(1 / 3)
    assert none["abstention_rate"] == summary["reader_abstention_rate"] and none["false_abstention_rate"] == 0.0
    # q2's gold passage never reached the reader (gated): a retrieval miss, like q3 and q4 (wrong document)
    assert summary["retrieval_miss_rate"] == 1.0 and summary["reading_miss_rate"] == 0.0
    with pytest.raises(ValueError):
        PromptAnswerer(tiny_lm, None, corpus, batch_size=4, max_new_tokens=3, abstain_below=0.5)


def test_the_latency_plot_leaves_out_what_the_gate_refused_as_the_summary_does(corpus, tiny_lm):
    from eval.report.plots import latency_per_arm

    retriever = ScoredRetriever({"u2-eval": 0.1, "q2": 0.2, "g1": 0.0})
    gated = PromptAnswerer(tiny_lm, retriever, corpus, batch_size=4, max_new_tokens=3, abstain_below=0.5)
    rows = run_arm("rag", gated, corpus.split("eval"), corpus)
    plotted = latency_per_arm(rows)["rag"]
    assert sorted(plotted) == sorted(r["latency_ms"] for r in rows if r["question_id"] in ("q3", "q4"))  # q2 refused

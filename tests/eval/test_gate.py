"""The retrieval-confidence gate: calibration on the train split, and answering with it."""

from __future__ import annotations

import pytest

from core.answerer import PromptAnswerer
from core.config import ExperimentConfig
from core.corpus import load_corpus
from core.prompt import Passage
from eval.report.gate_trade import trade
from eval.scoring.harness import run_arm, summarize_arm
from core.corpus import fold_of
from eval.stages.gate import best_threshold, held_out_check, resolve_gate
from tests.conftest import SMALL_QUESTIONS, write_corpus


def test_the_threshold_with_the_best_balanced_accuracy_and_the_lowest_on_a_tie():
    threshold, balanced = best_threshold([0.8, 0.7, 0.6], [0.2, 0.3, 0.65])
    # 0.45 and 0.675 both reach (2/3 + 3/3) / 2 or (3/3 + 2/3) / 2; the lower turns away fewer answerable questions
    assert threshold == pytest.approx(0.45) and balanced == pytest.approx(5 / 6)
    assert best_threshold([0.5, 0.5], [0.5])[1] == 0.5  # nothing separates them: chance
    with pytest.raises(ValueError):
        best_threshold([0.5], [])


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


def many_facts(n: int) -> list[dict]:
    """n answerable facts and n unanswerable topics in the train split, one question each."""
    answerable = [
        {"id": f"a{i}", "question": f"How many days of leave {i}?", "answers": ["27"], "doc_ids": ["leave"], "split": "train", "kind": "fact", "fact_id": f"fa{i}"}
        for i in range(n)
    ]
    return answerable + [
        {"id": f"n{i}", "question": f"What is the pet policy {i}?", "answers": ["I don't know"], "doc_ids": [], "split": "train", "kind": "unanswerable", "fact_id": f"fn{i}"}
        for i in range(n)
    ]


def test_auto_calibrates_on_the_train_split_and_checks_the_threshold_on_held_out_facts(tmp_path):
    corpus = load_corpus(write_corpus(tmp_path / "c", questions=[*SMALL_QUESTIONS, *UNANSWERABLE, *many_facts(8)]))
    # answerable train questions score 0.9, unanswerable ones 0.1-0.2; the eval questions' scores must not matter
    scores = {f"n{i}": 0.1 + 0.01 * i for i in range(8)} | {"u0-train": 0.1, "u1-train": 0.2, "u2-eval": 0.95, "q2": 0.0}
    gate = resolve_gate(config("auto"), corpus, ScoredRetriever(scores))
    assert gate.threshold == pytest.approx(0.55) and gate.how == "calibrated on the train split, checked on held-out facts"
    held_out = gate.calibration["held_out"]
    assert held_out["net_gain"] == 1.0 and held_out["abstention_rate"] == 1.0 and len(held_out["thresholds"]) == 2
    assert gate.calibration["answerable"] == 9 and gate.calibration["unanswerable"] == 10
    assert resolve_gate(config(0.3), corpus, ScoredRetriever(scores)).threshold == 0.3
    assert resolve_gate(config(None), corpus, ScoredRetriever(scores)).threshold is None
    # scores that do not separate the two kinds give no gate rather than one that only costs answers
    assert resolve_gate(config("auto"), corpus, ScoredRetriever({})).threshold is None


def test_auto_turns_itself_off_when_a_threshold_does_not_carry_to_held_out_facts():
    # in-sample each fold separates perfectly, but at opposite ends: out of sample the threshold gates answerable ones
    names = {fold: [f"g{i}" for i in range(200) if fold_of(0, f"g{i}") == fold][:4] for fold in (0, 1)}
    answerable = [(names[0][0], 0.9), (names[0][1], 0.9), (names[1][0], 0.2), (names[1][1], 0.2)]
    unanswerable = [(names[0][2], 0.1), (names[0][3], 0.1), (names[1][2], 0.95), (names[1][3], 0.95)]
    check = held_out_check(answerable, unanswerable, seed=0)
    assert check["net_gain"] <= 0
    # a fold without unanswerable topics cannot be checked
    assert held_out_check(answerable, unanswerable[:1], seed=0) is None


def test_auto_sets_no_gate_when_too_few_facts_to_check_out_of_sample(corpus):
    gate = resolve_gate(config("auto"), corpus, ScoredRetriever({"u0-train": 0.1, "u1-train": 0.2}))
    assert gate.threshold is None and "too few" in gate.how and gate.calibration["threshold"] == pytest.approx(0.55)


def test_auto_sets_no_gate_without_unanswerable_train_questions(tmp_path):
    corpus = load_corpus(write_corpus(tmp_path / "c"))
    gate = resolve_gate(config("auto"), corpus, ScoredRetriever({}))
    assert gate.threshold is None and "unanswerable train questions" in gate.how


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
    at_own, none = trade(list(rows.values()), 0.5), trade(list(rows.values()), None)
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

"""The harness, summary and report with a fake answerer: no model involved."""

import json

import pytest

from core.config import ExperimentConfig
from core.corpus import load_corpus
from eval.report.render import render_run
from eval.scoring.harness import run_arm, summarize_arm
from eval.rundir import write_results
from eval.stages.experiment import summarize
from tests.conftest import SMALL_QUESTIONS, write_corpus
from tests.eval.fakes import FakeAnswerer


@pytest.fixture
def corpus(small_corpus_dir):
    return load_corpus(small_corpus_dir)


@pytest.fixture
def questions(corpus):
    return corpus.split("eval")  # q2 leave/27, q3 badges/red, q4 vpn/Harbourline


def test_rows_carry_correctness_retrieval_timings_and_tokens(questions, corpus):
    rows = run_arm("rag", FakeAnswerer({"q2": "It is 27 days.", "q3": "Blue."}, doc_id="leave"), questions, corpus)
    assert [r["correct"] for r in rows] == [1.0, 0.0, 0.0]
    assert rows[0]["retrieved"] == [{"chunk_id": "leave#0", "doc_id": "leave", "score": 0.5}]
    assert rows[0]["latency_ms"] == 10.0 and rows[0]["prompt_tokens"] == 100
    json.dumps(rows)  # rows are the record on disk: they must serialise


def test_summary_aggregates_with_intervals_and_retrieval_metrics(questions, corpus):
    rows = run_arm("rag", FakeAnswerer({"q2": "27", "q3": "red"}, doc_id="leave"), questions, corpus)
    s = summarize_arm(rows, "rag", bootstrap_samples=200, seed=0)
    assert s["n"] == 3
    assert s["accuracy"] == pytest.approx(2 / 3) and s["exact_match"] == pytest.approx(2 / 3)
    assert s["accuracy_ci"][0] <= s["accuracy"] <= s["accuracy_ci"][1]
    assert s["recall_at_k"] == pytest.approx(1 / 3) and s["mrr"] == pytest.approx(1 / 3)
    assert s["latency_ms"] == {"p50": 10.0, "p95": 10.0, "mean": 10.0}
    assert s["prompt_tokens"] == 100 and s["output_tokens"] == 5
    assert "recall_at_k" not in summarize_arm(rows, "lora", bootstrap_samples=200, seed=0)


def test_summarizing_an_arm_without_predictions_is_an_error():
    with pytest.raises(ValueError, match="no predictions"):
        summarize_arm([], "base", bootstrap_samples=100, seed=0)


def test_an_answerer_that_answers_other_questions_is_an_error(questions, corpus):
    class Wrong(FakeAnswerer):
        def answer(self, qs):
            return super().answer(qs)[::-1]

    with pytest.raises(RuntimeError, match="other questions"):
        run_arm("base", Wrong({}), questions, corpus)


def test_run_dir_holds_predictions_summary_and_a_report_table(tmp_path, questions, corpus):
    cfg = ExperimentConfig(name="fake", eval={"arms": ["base", "rag", "oracle"]})
    rows = run_arm("base", FakeAnswerer({}), questions, corpus) + run_arm("rag", FakeAnswerer({"q2": "27"}, "leave"), questions, corpus)
    rows += run_arm("oracle", FakeAnswerer({"q2": "27", "q3": "red"}), questions, corpus)
    meta = {"git_hash": "abc", "model": {"name": "fake"}, "embedder": "e", "device": "cpu", "dtype": "float32", "threads": 1}
    summary = summarize(cfg, rows, started="2026-01-01T00:00:00+00:00", meta=meta)
    write_results(tmp_path, rows, summary)
    assert not (tmp_path / "report.md").exists()  # writing results never renders
    render_run(tmp_path)
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert set(on_disk) == {"run_info", "meta_info", "arms", "controls"}
    assert on_disk["run_info"]["seed"] == 0 and on_disk["run_info"]["config"]["name"] == "fake"
    assert on_disk["arms"]["oracle"]["accuracy"] == pytest.approx(2 / 3)
    assert len((tmp_path / "predictions.jsonl").read_text().splitlines()) == 9
    report = (tmp_path / "report.md").read_text()
    assert (tmp_path / "report.html").is_file() and (tmp_path / "plots" / "accuracy.png").is_file()
    assert "| rag | 3 | 33.3 [" in report and "| base | 3 | 0.0 [0.0, 0.0]" in report


CONTROLS = [
    {"id": "u1", "question": "What is the dental insurer?", "answers": ["I don't know"], "split": "eval", "kind": "unanswerable", "fact_id": "u1"},
    {"id": "u2", "question": "What is the gym subsidy?", "answers": ["I don't know"], "split": "eval", "kind": "unanswerable", "fact_id": "u2"},
    {"id": "g1", "question": "What is the capital of France?", "answers": ["Paris"], "split": "eval", "kind": "general", "fact_id": "g1"},
    {"id": "g2", "question": "What is the capital of Japan?", "answers": ["Tokyo"], "split": "eval", "kind": "general", "fact_id": "g2"},
]


@pytest.fixture
def styled_corpus(tmp_path):
    directory = write_corpus(tmp_path / "styled", questions=[*SMALL_QUESTIONS, *CONTROLS])
    (directory / "house_style.json").write_text(json.dumps({"instruction": "Cite.", "template": "{answer} [{title}]"}))
    return load_corpus(directory)


def test_behaviours_are_scored_per_row_and_summarised_on_their_own_questions(styled_corpus):
    questions = styled_corpus.split("eval")  # q2 leave, q3 badges, q4 vpn, u1, u2, g1, g2
    answers = {
        "q2": "27 [Leave Policy]",  # right, styled, cites the gold title
        "q3": "red [1]",  # right, not the house layout, cites passage 1 = leave (not gold)
        "q4": "I don't know",  # a false abstention
        "u1": "I don't know.",
        "u2": "25 euros",
        "g1": "Paris",
        "g2": "Kyoto",
    }

    class Citing(FakeAnswerer):
        def _cited(self, qid):
            return {"q2": ["leave"], "q3": ["leave"]}.get(qid, [])

    rows = run_arm("rag", Citing(answers, doc_id="leave"), questions, styled_corpus)
    by_id = {r["question_id"]: r for r in rows}
    assert [by_id[q]["style_ok"] for q in ("q2", "q3", "q4")] == [1.0, 0.0, 0.0]
    assert by_id["u1"]["style_ok"] is None and by_id["u1"]["citation_correct"] is None
    assert [by_id[q]["citation_correct"] for q in ("q2", "q3", "q4")] == [1.0, 0.0, 0.0]
    # exact match on the answer without the house-style parts: "27 [Leave Policy]" is exactly "27", "red [1]" "red"
    assert [by_id[q]["exact_match"] for q in ("q2", "q3", "q4")] == [1.0, 1.0, 0.0]
    # attribution: right, and the passage shown with it (leave, by construction) is gold: only q2
    assert [by_id[q]["attributed"] for q in ("q2", "q3", "q4")] == [1.0, 0.0, 0.0] and by_id["u1"]["attributed"] is None
    # without passages the source shown is what the answer cites: q2 cites its gold title, q3 a wrong one
    memory = {r["question_id"]: r for r in run_arm("lora", Citing(answers), questions, styled_corpus)}
    assert [memory[q]["attributed"] for q in ("q2", "q3", "q4")] == [1.0, 0.0, 0.0]
    s = summarize_arm(rows, "rag", bootstrap_samples=200, seed=0, general_ids={"g1"})
    assert s["n"] == 3 and s["accuracy"] == pytest.approx(2 / 3)  # the controls are not in accuracy
    assert s["style_adherence"] == pytest.approx(1 / 3) and s["citation_accuracy"] == pytest.approx(1 / 3)
    assert s["false_abstention_rate"] == pytest.approx(1 / 3) and s["abstention_rate"] == pytest.approx(1 / 2)
    assert s["general_knowledge"] == 1.0 and s["n_general"] == 1  # only what the base model knew counts
    assert s["attribution"] == pytest.approx(1 / 3) and s["exact_match"] == pytest.approx(2 / 3)
    assert "reader_abstention_rate" not in s and "gate_false_abstention_rate" not in s  # no gate on this arm
    assert summarize_arm(rows, "rag", bootstrap_samples=200, seed=0)["general_knowledge"] == pytest.approx(1 / 2)
    for name in ("style_adherence", "abstention_rate", "false_abstention_rate", "citation_accuracy", "general_knowledge"):
        assert s[f"{name}_ci"][0] <= s[name] <= s[f"{name}_ci"][1]


def test_general_knowledge_counts_only_what_the_base_model_answers(styled_corpus):
    questions = styled_corpus.split("eval")
    rows = run_arm("base", FakeAnswerer({"g1": "Paris", "g2": "Osaka"}), questions, styled_corpus)
    rows += run_arm("lora", FakeAnswerer({"g1": "Lyon", "g2": "Tokyo"}), questions, styled_corpus)
    cfg = ExperimentConfig(name="fake", eval={"arms": ["base", "lora"]})
    summary = summarize(cfg, rows, started="2026-01-01T00:00:00+00:00", meta={})
    assert summary["controls"] == {"unanswerable": 2, "general_candidates": 2, "general_kept": 1, "general_reference": "base"}
    assert summary["arms"]["base"]["general_knowledge"] == 1.0
    assert summary["arms"]["lora"]["general_knowledge"] == 0.0  # it lost Paris; Tokyo was never the base model's
    assert "style_adherence" in summary["arms"]["lora"]

"""The harness, summary and report with a fake answerer: no model involved."""

import json

import pytest

from core.answerer import Answer, Passage
from core.config import ExperimentConfig
from core.corpus import load_corpus
from eval.experiment import summarize, write_results
from eval.harness import run_arm, summarize_arm
from eval.report import render_markdown


class FakeAnswerer:
    """Answers from a fixed table, retrieving a fixed document, with fixed timings."""

    def __init__(self, answers: dict[str, str], doc_id: str | None = None):
        self.answers, self.doc_id = answers, doc_id

    def answer(self, questions):
        passages = [Passage(f"{self.doc_id}#0", self.doc_id, "T", "text", 0.5)] if self.doc_id else []
        return [Answer(q.id, self.answers.get(q.id, "no idea"), passages, 2.0, 8.0, 100, 5) for q in questions]


@pytest.fixture
def questions(small_corpus_dir):
    return load_corpus(small_corpus_dir).split("eval")  # q2 leave/27, q3 badges/red, q4 vpn/Harbourline


def test_rows_carry_correctness_retrieval_timings_and_tokens(questions):
    rows = run_arm("rag", FakeAnswerer({"q2": "It is 27 days.", "q3": "Blue."}, doc_id="leave"), questions)
    assert [r["correct"] for r in rows] == [1.0, 0.0, 0.0]
    assert rows[0]["retrieved"] == [{"chunk_id": "leave#0", "doc_id": "leave", "score": 0.5}]
    assert rows[0]["latency_ms"] == 10.0 and rows[0]["prompt_tokens"] == 100
    json.dumps(rows)  # rows are the record on disk: they must serialise


def test_summary_aggregates_with_intervals_and_retrieval_metrics(questions):
    rows = run_arm("rag", FakeAnswerer({"q2": "27", "q3": "red"}, doc_id="leave"), questions)
    s = summarize_arm(rows, retrieves=True, bootstrap_samples=200, seed=0)
    assert s["n"] == 3
    assert s["accuracy"] == pytest.approx(2 / 3) and s["exact_match"] == pytest.approx(2 / 3)
    assert s["accuracy_ci"][0] <= s["accuracy"] <= s["accuracy_ci"][1]
    assert s["recall_at_k"] == pytest.approx(1 / 3) and s["mrr"] == pytest.approx(1 / 3)
    assert s["latency_ms"] == {"p50": 10.0, "p95": 10.0, "mean": 10.0}
    assert s["prompt_tokens"] == 100 and s["output_tokens"] == 5
    assert "recall_at_k" not in summarize_arm(rows, retrieves=False, bootstrap_samples=200, seed=0)


def test_summarizing_an_arm_without_predictions_is_an_error():
    with pytest.raises(ValueError, match="no predictions"):
        summarize_arm([], retrieves=False, bootstrap_samples=100, seed=0)


def test_an_answerer_that_answers_other_questions_is_an_error(questions):
    class Wrong(FakeAnswerer):
        def answer(self, qs):
            return super().answer(qs)[::-1]

    with pytest.raises(RuntimeError, match="other questions"):
        run_arm("base", Wrong({}), questions)


def test_run_dir_holds_predictions_summary_and_a_report_table(tmp_path, questions):
    cfg = ExperimentConfig(name="fake", eval={"arms": ["base", "rag", "oracle"]})
    rows = run_arm("base", FakeAnswerer({}), questions) + run_arm("rag", FakeAnswerer({"q2": "27"}, "leave"), questions)
    rows += run_arm("oracle", FakeAnswerer({"q2": "27", "q3": "red"}), questions)
    meta = {"git_hash": "abc", "model": {"name": "fake"}, "embedder": "e", "device": "cpu", "dtype": "float32", "threads": 1}
    summary = summarize(cfg, rows, started="2026-01-01T00:00:00+00:00", meta=meta)
    write_results(tmp_path, rows, summary)
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert set(on_disk) == {"run_info", "meta_info", "arms"}
    assert on_disk["run_info"]["seed"] == 0 and on_disk["run_info"]["config"]["name"] == "fake"
    assert on_disk["arms"]["oracle"]["accuracy"] == pytest.approx(2 / 3)
    assert len((tmp_path / "predictions.jsonl").read_text().splitlines()) == 9
    report = (tmp_path / "report.md").read_text()
    assert report == render_markdown(on_disk)
    assert "| rag | 3 | 33.3 [" in report and "| base | 3 | 0.0 [0.0, 0.0]" in report

"""What limits the comparison: a planted run where retrieval misses dominate and one where reading
misses dominate, and the words the report uses for each."""

from __future__ import annotations

from core.answerer import Answer, Passage
from core.config import ExperimentConfig
from core.corpus import load_corpus
from eval.report.limits import READING, RETRIEVAL, above_ceiling, levers, limits
from eval.scoring.harness import run_arm
from eval.scoring.paired import Difference
from eval.stages.experiment import summarize
from tests.conftest import SMALL_DOCS, write_corpus
from tests.eval.run_fixture import META

N = 30
QUESTIONS = [
    {"id": f"q{i}", "question": f"How many leave days, variant {i}?", "answers": ["27"], "doc_ids": ["leave"], "split": "eval", "kind": "fact", "fact_id": f"f{i}"}
    for i in range(N)
]


class Planted:
    """Answers right on the first `right` questions; retrieves the gold document on the first `found`."""

    def __init__(self, right: int, found: int | None):
        self.right, self.found = right, found

    def answer(self, questions):
        out = []
        for i, q in enumerate(questions):
            doc = None if self.found is None else ("leave" if i < self.found else "badges")
            passages = [Passage(f"{doc}#0", doc, doc, "text", 0.9)] if doc else []
            out.append(Answer(q.id, "27 days" if i < self.right else "no idea", passages, 1.0, 5.0, 50, 3))
        return out


def planted_summary(tmp_path, *, rag_right: int, rag_found: int, oracle_right: int, lora_right: int = 9) -> dict:
    corpus = load_corpus(write_corpus(tmp_path / "corpus", SMALL_DOCS, QUESTIONS))
    questions = corpus.split("eval")
    rows = run_arm("base", Planted(0, None), questions, corpus) + run_arm("rag", Planted(rag_right, rag_found), questions, corpus)
    rows += run_arm("lora", Planted(lora_right, None), questions, corpus) + run_arm("oracle", Planted(oracle_right, N), questions, corpus)
    cfg = ExperimentConfig(name="limits", corpus={"dir": str(tmp_path / "corpus")}, eval={"arms": ["base", "rag", "lora", "oracle"], "bootstrap_samples": 300})
    return summarize(cfg, rows, started="2026-01-01T00:00:00+00:00", meta=META), rows


def test_when_retrieval_misses_dominate_the_report_says_retrieval_limits(tmp_path):
    # rag finds the gold document for 8 of 30 and reads those right; the reader alone gets 29 of 30
    found = limits(*planted_summary(tmp_path, rag_right=8, rag_found=8, oracle_right=29))
    text = " ".join(found.sentences)
    assert "the model answers 96.7%: that is the reader's ceiling" in text
    assert "`rag` answers 26.7%. It loses 73.3% of the questions to retrieval" in text and "0.0% to reading" in text
    assert "Retrieval, not reading, limits `rag`: `rag.retriever`, `rag.top_k` or the chunking are the levers" in text
    assert "at the reader's ceiling" not in text.replace("that is the reader's ceiling", "")
    assert found.footnote.startswith("What limits this run: retrieval.")
    assert "| rag | 26.7 [" in found.table and "| oracle (the reader's ceiling) | 96.7 [" in found.table


def test_when_reading_misses_dominate_the_report_says_reading_limits_and_names_the_model(tmp_path):
    # rag always finds the gold document and reads 6 of 30 right; with the gold document the reader gets 7
    found = limits(*planted_summary(tmp_path, rag_right=6, rag_found=N, oracle_right=7))
    text = " ".join(found.sentences)
    assert "the model answers 23.3%: that is the reader's ceiling" in text
    assert "It loses 0.0% of the questions to retrieval" in text and "80.0% to reading" in text
    assert "Reading, not retrieval, limits `rag`: a larger `model.name` is the lever" in text
    assert "`rag` is at its reader's ceiling (`oracle`), no difference called on the same questions: better retrieval could not show on this run." in text
    assert "`lora` answers 30.0% from its weights alone (0.0% for the same model untrained)" in text
    assert found.footnote.startswith("What limits this run: reading. With the gold document in the prompt the model answers 23.3%")


def test_equal_losses_are_called_both(tmp_path):
    found = limits(*planted_summary(tmp_path, rag_right=10, rag_found=20, oracle_right=20))  # 10 lost each way
    assert "Retrieval and reading alike limit `rag`" in " ".join(found.sentences)


def test_retrieval_losses_the_gate_caused_point_at_its_threshold_not_the_retriever():
    by_gate = {"retrieval_miss_rate": 0.4, "gate_false_abstention_rate": 0.3}
    assert "`rag.abstain_below` is the lever" in levers(RETRIEVAL, by_gate)
    assert "`rag.retriever`" in levers(RETRIEVAL, {"retrieval_miss_rate": 0.4, "gate_false_abstention_rate": 0.1})
    assert levers(READING, by_gate).startswith("a larger `model.name`")


def test_a_fine_tune_above_the_gold_document_ceiling_is_flagged_as_a_leaking_eval_set(tmp_path):
    # lora gets 28 of 30 from its weights; the same model holding the gold document gets 8
    found = limits(*planted_summary(tmp_path, rag_right=8, rag_found=N, oracle_right=8, lora_right=28))
    text = " ".join(found.sentences)
    assert "On the answerable questions, `lora` answers 93.3% from its weights alone, above the reader's ceiling (`oracle`, 26.7%), called on the same questions" in text
    assert "the eval set copies the training set" in text
    assert found.footnote.startswith("Warning: on the answerable questions, `lora` scores above the gold-document ceiling (93.3% against 26.7%, called on the same questions)")
    # and on a fact group alone: the facts trained as questions, where synthesized eval phrasings repeat the trained ones
    arms = {"lora": {"accuracy": 0.5, "accuracy_ci": [0.4, 0.6], "accuracy_trained_facts": 0.9, "accuracy_trained_facts_ci": [0.8, 1.0]},
            "oracle": {"accuracy": 0.45, "accuracy_ci": [0.35, 0.55], "accuracy_trained_facts": 0.4, "accuracy_trained_facts_ci": [0.3, 0.5]}}

    class Called:  # lora minus oracle: called above on the trained facts only
        def difference(self, a, b, key, b_key=None):
            lo = 0.3 if key == "accuracy_trained_facts" else -0.1
            return Difference(0.4, 0.6, 0.2, [lo, 0.5], True, 30, (1, 1), 0.2)

    assert above_ceiling(arms, Called(), "oracle") == [("lora", "accuracy_trained_facts")]
    # above the ceiling's point estimate but within the intervals: not flagged
    close = limits(*planted_summary(tmp_path / "close", rag_right=8, rag_found=N, oracle_right=10, lora_right=13))
    assert "above the reader's ceiling" not in " ".join(close.sentences) and close.footnote.startswith("What limits this run")


def test_the_reader_trained_to_read_is_held_to_its_own_ceiling(tmp_path):
    corpus = load_corpus(write_corpus(tmp_path / "corpus", SMALL_DOCS, QUESTIONS))
    questions = corpus.split("eval")
    rows = run_arm("rag", Planted(10, 25), questions, corpus) + run_arm("oracle", Planted(12, N), questions, corpus)
    rows += run_arm("raft", Planted(24, 25), questions, corpus) + run_arm("raft_oracle", Planted(27, N), questions, corpus)
    arms = ["rag", "raft", "oracle", "raft_oracle"]
    cfg = ExperimentConfig(name="limits", corpus={"dir": str(tmp_path / "corpus")}, eval={"arms": arms, "bootstrap_samples": 300})
    found = limits(summarize(cfg, rows, started="2026-01-01T00:00:00+00:00", meta=META), rows)
    text = " ".join(found.sentences)
    assert "the reader trained to read (`raft_oracle`) answers 90.0%, against 40.0% for the untrained reader (`oracle`)" in text
    assert "`raft` is at its reader's ceiling (`raft_oracle`)" in text  # 80.0% against 90.0%: the intervals overlap
    assert "`rag` is at its reader's ceiling (`oracle`)" in text  # 33.3% against 40.0%
    assert "| raft_oracle (the tuned reader's ceiling) |" in found.table and "| oracle (the reader's ceiling) |" in found.table


def test_a_tuned_reader_below_the_untrained_one_is_called_out_with_its_lever(tmp_path):
    corpus = load_corpus(write_corpus(tmp_path / "corpus", SMALL_DOCS, QUESTIONS))
    questions = corpus.split("eval")

    def found(tuned_right: int) -> str:
        rows = run_arm("oracle", Planted(20, N), questions, corpus) + run_arm("raft_oracle", Planted(tuned_right, N), questions, corpus)
        cfg = ExperimentConfig(name="limits", corpus={"dir": str(tmp_path / "corpus")}, eval={"arms": ["oracle", "raft_oracle"], "bootstrap_samples": 300})
        return " ".join(limits(summarize(cfg, rows, started="2026-01-01T00:00:00+00:00", meta=META), rows).sentences)

    assert "so it lost reading skill instead of gaining it" in found(3) and "`raft.reading_set`" in found(3)  # 10.0% against 66.7%
    assert "What it gains over the untrained one is reading skill" not in found(3)
    assert "lost reading skill" not in found(18)  # 60.0% against 66.7%: within the intervals

"""The sentence under the verdict says what kind of questions the numbers come from and, from the
corpus's counts, how many ask facts the fine-tune trained on as other questions (phrasing
transfer) and how many it met only in the documents (knowledge injection)."""

from __future__ import annotations

from core.corpus import eval_fact_coverage, load_corpus
from eval.report.questions import FACT_GROUPS, measured_on
from tests.conftest import write_corpus


def summary(origin, coverage=None, groups=(), **finetune) -> dict:
    """`groups`: the fact-group accuracies (trained, documents) both rag and lora have."""
    corpus = {"origin": origin} | ({"eval_facts": coverage} if coverage else {})
    arms = {arm: {FACT_GROUPS[group][0]: 0.5 for group in groups} for arm in ("rag", "lora")}
    config = {"finetune": {"use_qa": True, "use_documents": True, **finetune}}
    return {"meta_info": {"corpus": corpus}, "run_info": {"config": config}, "arms": arms}


def test_the_counts_come_from_the_corpus(tmp_path):
    corpus = load_corpus(write_corpus(tmp_path / "c"))  # f1 has a train and an eval phrasing; f2 and f3 only eval ones
    assert eval_fact_coverage(corpus) == {"eval_questions": 3, "of_facts_with_train_questions": 1}


def test_hand_written_questions_split_into_phrasing_transfer_and_knowledge_injection():
    text = measured_on(summary({"questions": "hand-written"}, {"eval_questions": 3, "of_facts_with_train_questions": 1}))
    assert text.startswith("Measured on hand-written questions: 1 of the 3 answerable ones ask facts the fine-tune trained on as "
                           "other questions (phrasing transfer) and 2 ask facts it met only in the documents it trained on (knowledge injection).")
    everything = measured_on(summary({"questions": "hand-written"}, {"eval_questions": 176, "of_facts_with_train_questions": 176}, groups=["trained"]))
    assert "all 176 answerable ones ask facts the fine-tune trained on" in everything and "not learning from documents" in everything
    assert "The verdict's accuracy row decides on the facts the fine-tune trained on as other questions" in everything


def test_human_questions_on_a_synthesized_train_split_are_decided_on_the_facts_met_only_in_documents():
    origin = {"questions": "human-written", "train": "synthesized"}
    text = measured_on(summary(origin, {"eval_questions": 120, "of_facts_with_train_questions": 6}, groups=["trained", "documents"]))
    assert text.startswith("Measured on human-written questions nobody on this project wrote (the fine-tune's train questions "
                           "synthesized by `ragvsft synth`): 6 of the 120 answerable ones")
    assert "The verdict's accuracy row decides on the facts the fine-tune met only in the documents" in text
    assert "not learning from documents" not in text


def test_what_the_fine_tune_trained_on_changes_the_words():
    coverage = {"eval_questions": 4, "of_facts_with_train_questions": 4}
    assert "4 ask facts it met only in the documents it trained on (knowledge injection)" in measured_on(summary({"questions": "hand-written"}, coverage, use_qa=False))
    no_documents = measured_on(summary({"questions": "hand-written"}, {"eval_questions": 4, "of_facts_with_train_questions": 1}, use_documents=False))
    assert "3 ask facts it met nowhere in its training" in no_documents


def test_synthesized_questions_bound_the_fine_tune_by_the_oracle():
    text = measured_on(summary({"questions": "synthesized", "generator": "rules"}))
    assert text.startswith("Measured on questions `ragvsft synth` wrote from the documents' own sentences")
    assert "trust a fine-tune number there only while it stays below the oracle's" in text


def test_runs_without_the_record_still_get_a_sentence():
    assert measured_on(summary(None)) == "Measured on questions of unrecorded origin."
    assert measured_on(summary({"questions": "hand-written"})) == "Measured on hand-written questions."  # a run made before the counts

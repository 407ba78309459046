"""The advice follows the evidence: flip one measured row of a fake run and the call on the capability
that depends on it flips; a trait no run measured is "not decided by this evidence" with the command
that would measure it, never a default; runs that disagree are shown as a conflict."""

from __future__ import annotations

from dataclasses import replace

import pytest

from advice.decide import NOT_DECIDED, advise
from advice.profile import Capability, Profile, resolve
from advice.runs import load_runs
from tests.advice.fake_run import Arm, Spec, write_fake_run


def call(tmp_path, traits: dict, *specs: Spec) -> dict:
    """The advice on one capability with `traits`, against fake runs made from `specs`."""
    runs = load_runs([write_fake_run(tmp_path / f"run{i}-{id(s)}", s) for i, s in enumerate(specs)])
    capability = Capability(name="capability", traits=traits)
    return advise(resolve(capability), runs, Profile(application="test", capabilities=[capability]))


def spec(**arms: Arm) -> Spec:
    base = Spec()
    return replace(base, arms={**base.arms, **arms})


def test_knowledge_from_documents_follows_the_accuracy_on_document_facts(tmp_path):
    rag_reads = spec(rag=Arm(documents=0.8), lora=Arm(documents=0.1), raft=Arm(documents=0.2), hybrid=Arm(documents=0.1))
    lora_knows = spec(rag=Arm(documents=0.1), lora=Arm(documents=0.9), raft=Arm(documents=0.2), hybrid=Arm(documents=0.1))
    assert call(tmp_path, {"knowledge": "documents"}, rag_reads)["call"] == "RAG"
    flipped = call(tmp_path, {"knowledge": "documents"}, lora_knows)
    assert flipped["call"] == "fine-tune" and flipped["decided_by"] == "knowledge"
    finding = flipped["reasons"][0]["findings"][0]
    assert {c["field"] for c in finding["cells"]} >= {"arms.lora.accuracy_document_facts", "arms.rag.accuracy_document_facts"}
    assert any(v.startswith("rag minus lora: -80.0 [") for v in finding["versus"])


def test_style_follows_the_style_row(tmp_path):
    tuned = spec(rag=Arm(style=0.0), lora=Arm(style=0.9), raft=Arm(style=0.1), hybrid=Arm(style=0.1))
    prompted = spec(rag=Arm(style=0.9), lora=Arm(style=0.0), raft=Arm(style=0.1), hybrid=Arm(style=0.1))
    assert call(tmp_path, {"style": True}, tuned)["call"] == "fine-tune"
    assert call(tmp_path, {"style": True}, prompted)["call"] == "RAG"


def test_a_latency_budget_rules_out_an_approach_measured_over_it(tmp_path):
    fast_rag = spec(rag=Arm(documents=0.8, latency_ms=200), lora=Arm(documents=0.1, latency_ms=100),
                    raft=Arm(documents=0.1, latency_ms=900), hybrid=Arm(documents=0.1, latency_ms=900))
    slow_rag = replace(fast_rag, arms={**fast_rag.arms, "rag": Arm(documents=0.8, latency_ms=500)})
    traits = {"knowledge": "documents", "latency_p95_ms": 300}
    assert call(tmp_path, traits, fast_rag)["call"] == "RAG"
    flipped = call(tmp_path, traits, slow_rag)
    assert flipped["call"] == "fine-tune"
    assert flipped["decided_by"].startswith("latency_p95_ms") and flipped["gives_up"] == ["knowledge"]


def test_changed_facts_follow_the_efficacy_row(tmp_path):
    rag_absorbs = spec(rag=Arm(efficacy=0.9), lora=Arm(efficacy=0.2), raft=Arm(efficacy=0.2), hybrid=Arm(efficacy=0.1))
    lora_absorbs = spec(rag=Arm(efficacy=0.2), lora=Arm(efficacy=0.9), raft=Arm(efficacy=0.2), hybrid=Arm(efficacy=0.1))
    assert call(tmp_path, {"changes": True}, rag_absorbs)["call"] == "RAG"
    assert call(tmp_path, {"changes": True}, lora_absorbs)["call"] == "fine-tune"


def test_the_update_cadence_is_costed_from_the_measured_absorb_seconds(tmp_path):
    # 30 updates a month, 100 queries a day: rag 100 x 0.5 s + 1 x 1 s; lora 100 x 0.1 s + 1 x 1000 s
    slow_retrain = spec(rag=Arm(latency_ms=500, absorb_seconds=1), lora=Arm(latency_ms=100, absorb_seconds=1000),
                        raft=Arm(latency_ms=900, absorb_seconds=1), hybrid=Arm(latency_ms=900, absorb_seconds=None, leak=None))
    quick_retrain = replace(slow_retrain, arms={**slow_retrain.arms, "lora": Arm(latency_ms=100, absorb_seconds=10)})
    traits = {"updates_per_month": 30, "queries_per_day": 100}
    slow = call(tmp_path, traits, slow_retrain)
    assert slow["call"] == "RAG" and "cost" in slow["decided_by"]
    basis = next(r for r in slow["reasons"] if r["trait"] == "cost")["findings"][0]["basis"]
    assert "above 2,498 queries a day" in basis  # one update a day: (1000 - 1) s / (0.5 - 0.1) s
    assert call(tmp_path, traits, quick_retrain)["call"] == "fine-tune"


def test_removal_follows_the_leak_then_the_time_to_forget(tmp_path):
    clean = spec(rag=Arm(leak=0.0, forget_seconds=0.01), lora=Arm(leak=0.0, forget_seconds=400), raft=Arm(leak=0.6, forget_seconds=0.01))
    leaky_rag = replace(clean, arms={**clean.arms, "rag": Arm(leak=0.8, forget_seconds=0.01)})
    kept = call(tmp_path, {"removal": True}, clean)
    assert kept["call"] == "RAG"  # lora leaks no more, but is 40,000 times slower to forget
    assert call(tmp_path, {"removal": True}, leaky_rag)["call"] == "fine-tune"


def test_a_trait_no_run_measured_is_not_decided_and_says_how_to_measure_it(tmp_path):
    no_deletions = replace(spec(rag=Arm(documents=0.8), lora=Arm(documents=0.1)), deletions=False)
    advice = call(tmp_path, {"knowledge": "documents", "removal": True}, no_deletions)
    assert advice["call"] == NOT_DECIDED and advice["approach"] is None
    assert advice["open"] == [{"trait": "removal", "command": "ragvsft run --config default (updates.deletions on)"}]
    assert advice["points_to"] == "RAG"  # said, not taken for the call
    # a second run that measured deletions decides it
    assert call(tmp_path, {"knowledge": "documents", "removal": True}, no_deletions, spec(rag=Arm(documents=0.8), lora=Arm(documents=0.1)))["call"] == "RAG"


def test_nothing_measured_is_never_a_default(tmp_path):
    advice = call(tmp_path, {"knowledge": "none", "removal": False}, Spec())
    assert advice["call"] == NOT_DECIDED and "states no trait" in advice["decided_by"]


def test_runs_that_disagree_are_a_conflict_decided_by_the_human_questions(tmp_path):
    human = replace(spec(rag=Arm(documents=0.8), lora=Arm(documents=0.1), raft=Arm(documents=0.1), hybrid=Arm(documents=0.1)), kind="human-written")
    written = spec(rag=Arm(documents=0.1), lora=Arm(documents=0.8), raft=Arm(documents=0.1), hybrid=Arm(documents=0.1))
    advice = call(tmp_path, {"knowledge": "documents"}, written, human)
    assert advice["call"] == "RAG"
    conflict = advice["reasons"][0]["conflict"]
    assert conflict.startswith("the runs conflict") and "human-written" in conflict and len(advice["reasons"][0]["findings"]) == 2


def test_an_approach_two_runs_keep_is_the_call(tmp_path):
    one = spec(rag=Arm(documents=0.8), lora=Arm(documents=0.1), raft=Arm(documents=0.8), hybrid=Arm(documents=0.1))
    other = spec(rag=Arm(documents=0.1), lora=Arm(documents=0.1), raft=Arm(documents=0.8), hybrid=Arm(documents=0.1))
    advice = call(tmp_path, {"knowledge": "documents"}, one, other)
    assert advice["call"] == "both: the reader trained to read (raft)" and not advice["reasons"][0]["conflict"]


@pytest.mark.parametrize("traits", [{"style": True}, {"knowledge": "qa_pairs"}])
def test_equal_approaches_are_separated_by_the_measured_set_up_cost(tmp_path, traits):
    equal = Spec()  # every arm the same on every row
    advice = call(tmp_path, traits, equal)
    assert advice["call"] == "RAG" and advice["decided_by"].startswith("set-up cost")  # an index of 1 s against 100 s of training
    costly_index = replace(equal, index_seconds=1000)
    assert call(tmp_path, traits, costly_index)["call"] == "fine-tune"


def test_every_trait_a_profile_takes_is_weighed_by_a_measurement():
    from advice.decide import CONSTRAINT, COST_TRAITS, QUALITY
    from advice.profile import TRAIT_NAMES

    assert set(TRAIT_NAMES) == set(QUALITY) | set(CONSTRAINT) | set(COST_TRAITS)


def test_evidence_from_another_model_hardware_or_question_kind_is_said(tmp_path):
    runs = load_runs([write_fake_run(tmp_path / "run", Spec())])
    capability = Capability(name="c", traits={"style": True})
    elsewhere = Profile(application="a", model="my-7b", hardware="cuda", questions="human-written", capabilities=[capability])
    notes = advise(resolve(capability), runs, elsewhere)["evidence_notes"]
    assert len(notes) == 1 and "fake-lm, not the application's my-7b" in notes[0]
    assert "not the application's cuda" in notes[0] and "not the application's human-written" in notes[0]
    same = Profile(application="a", model="fake-lm", hardware="cpu", questions="hand-written", capabilities=[capability])
    assert advise(resolve(capability), runs, same)["evidence_notes"] == []


def test_the_whole_corpus_in_the_prompt_is_offered_where_its_evidence_favours_it(tmp_path):
    pasted = spec(context=Arm(documents=0.9, efficacy=None, leak=None), rag=Arm(documents=0.1), lora=Arm(documents=0.1),
                  raft=Arm(documents=0.1), hybrid=Arm(documents=0.1))
    found = call(tmp_path, {"knowledge": "documents"}, pasted)
    assert found["call"] == "the whole corpus in the prompt, cached (context)" and found["decided_by"] == "knowledge"
    assert call(tmp_path, {"knowledge": "documents"}, spec(rag=Arm(documents=0.9), context=Arm(documents=0.1)))["call"] == "RAG"


def test_a_run_whose_corpus_did_not_fit_is_read_and_says_so(tmp_path):
    unfit = {"context": {"reason": "does not fit", "prompt_tokens": 14504, "answer_tokens": 32, "window": 8192, "corpus_documents": 80}}
    only_base = Spec(arms={}, updates=False, deletions=False, not_run=unfit)
    found = call(tmp_path, {"knowledge": "documents"}, spec(rag=Arm(documents=0.9)), only_base)
    assert found["call"] == "RAG"
    (note,) = [n for n in found["evidence_notes"] if "not run" in n]
    assert "prompts of up to 14,504 tokens" in note and "window of 8,192 tokens" in note and note.endswith("no call on that run's corpus for it")
    with pytest.raises(Exception, match="measured no approach"):
        load_runs([write_fake_run(tmp_path / "nothing", Spec(arms={}, updates=False, deletions=False))])

"""`ragvsft synth`: facts, phrasings, filters, the update round, deletions and controls, from documents alone."""

from __future__ import annotations

import shutil
from pathlib import Path


from core.config import ExperimentConfig
from core.config_files import with_overrides
from core.corpus import Document, load_corpus, load_jsonl
from corpora.synth import generators
from corpora.synth.filters import overlap
from corpora.synth.generators import ModelGenerator, parse_questions, question_prompt
from corpora.synth.pipeline import synthesize
from corpora.synth.spans import find_spans
from corpora.synth.templates import Fact, phrasings
from core.text import contains_phrase, normalize
from core.updates import load_deletions, load_update_rounds
from app.cli import main
from tests.conftest import REPO, tiny_llama, tiny_tokenizer

BUNDLED_DOCUMENTS = REPO / "data" / "quillfeather" / "documents.jsonl"


def documents() -> list[Document]:
    return [d for _, d in load_jsonl(BUNDLED_DOCUMENTS, Document)]


def spans_of(sentence: str) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in find_spans(sentence)]


def test_spans_are_typed_by_what_a_question_can_ask_for():
    assert spans_of("Hotel costs are reimbursed up to a cap of 165 euros per night.") == [("money", "165 euros")]
    assert spans_of("The help desk is staffed from 07:45 to 18:30.") == [("time", "07:45"), ("time", "18:30")]
    assert spans_of("Calibrate it with the reference standard KX-4471 monthly.") == [("code", "KX-4471")]
    assert spans_of("You can call the help desk on extension 4417 today.") == [("code", "4417")]
    assert spans_of("The office manager in Tampere is Aino Lehtikuusi.") == [("name", "Tampere"), ("name", "Aino Lehtikuusi")]
    assert spans_of("Employees receive 27 days of paid leave.") == [("quantity", "27 days")]
    assert spans_of("It measures from 190 to 1100 nanometres.") == [("quantity", "1100 nanometres")]  # 190 counts nothing
    assert find_spans("Employees receive 27 days of paid leave.")[0].answers == ["27"]  # the number is the answer


def fact(sentence: str, text: str) -> Fact:
    span = next(s for s in find_spans(sentence) if s.text == text)
    return Fact("doc", "Office Guide", sentence, span)


def test_train_and_eval_phrasings_use_different_wh_phrases_and_never_contain_the_answer():
    ph = phrasings(fact("The office manager in Tampere is Aino Lehtikuusi.", "Aino Lehtikuusi"))
    train, evals = [q for _, q in ph["train"]], [q for _, q in ph["eval"]]
    assert "Who is the office manager in Tampere?" in train
    assert 'In "Office Guide", which person is the office manager in Tampere?' in evals
    assert not any(contains_phrase(q, "Aino Lehtikuusi") for q in train + evals)
    ph = phrasings(fact("The primary carer is entitled to 22 weeks of fully paid parental leave, which may start early.", "22 weeks"))
    assert ("fronted", "How many weeks of fully paid parental leave is the primary carer entitled to?") in ph["train"]
    assert all("what number of weeks" in q.lower() for _, q in ph["eval"])


def settings(**changes):
    cfg = with_overrides(ExperimentConfig(), [f"synth.{k}={v}" for k, v in changes.items()])
    return cfg.synth, cfg.model


def test_bundled_documents_alone_give_checked_facts_round_deletions_and_controls():
    docs = documents()
    result = synthesize(docs, *settings(), abstention="I don't know")
    texts = {d.id: d.text for d in docs}
    assert len(result.facts) / len(docs) >= 3
    for f, questions in result.facts:
        assert contains_phrase(texts[f.doc_id], f.answers[0])
        train = [q.question for q in questions if q.split == "train"]
        evals = [q.question for q in questions if q.split == "eval"]
        assert train and evals
        assert not set(map(normalize, train)) & set(map(normalize, evals))
        assert all(overlap(e, t) < 0.8 for e in evals for t in train)
    all_train = [f" {normalize(q.question)} " for q in result.questions if q.split == "train"]
    assert not [q for q in result.questions if q.split == "eval" and any(f" {normalize(q.question)} " in t for t in all_train)]
    assert result.stages["changed facts in the update round"] == 8 and len(result.deleted) == 2
    assert not set(result.deleted) & {d.id for d in result.round_documents}
    assert synthesize(docs, *settings(), abstention="I don't know").questions == result.questions  # deterministic


def test_update_round_swaps_the_value_everywhere_in_its_document():
    docs = {d.id: d for d in documents()}
    result = synthesize(list(docs.values()), *settings(changed_facts=4), abstention="I don't know")
    assert len({q.fact_id for q in result.round_questions}) == 4
    changed = {d.id: d for d in result.round_documents}
    for q in result.round_questions:
        new, old = q.answers[0], q.old_answers[0]
        assert normalize(new) != normalize(old)
        assert contains_phrase(changed[q.doc_ids[0]].text, new) and not contains_phrase(changed[q.doc_ids[0]].text, old)
        assert contains_phrase(docs[q.doc_ids[0]].text, old)


def test_unanswerable_topics_are_absent_from_the_documents_and_disjoint_between_splits():
    docs = documents()
    result = synthesize(docs, *settings(), abstention="Not in the documents")
    unanswerable = [q for q in result.controls if q.kind == "unanswerable"]
    assert unanswerable and all(q.answers == ["Not in the documents"] for q in unanswerable)
    topics = {split: {q.fact_id for q in unanswerable if q.split == split} for split in ("train", "eval")}
    assert topics["train"] and topics["eval"] and not topics["train"] & topics["eval"]
    kept_questions = {normalize(q.question) for q in result.questions if q.kind == "fact"}
    assert not any(normalize(q.question) in kept_questions for q in unanswerable)  # a name was swapped in each
    assert not [q for q in result.controls if q.kind == "general"]  # every run adds the standard set instead


class ScriptedGenerator:
    """A generator whose candidates are given: shows the filters act on any generator's output."""

    name = "scripted"

    def __init__(self, settings, model_settings):
        pass

    def candidates(self, facts):
        out = []
        for f in facts:
            answer = f.answers[0]
            out.append({
                "train": [("s", f"Which value does {f.doc_id} give here, {answer}?"), ("s", f"What value does document {f.doc_id} state for this?")],
                "eval": [("s", f"What value does document {f.doc_id} state for this?"),  # duplicate of a train phrasing
                         ("s", f"What value does document {f.doc_id} state for this one?"),  # too close to it
                         ("s", "No question mark"),
                         ("s", f"Tell me the figure recorded in {f.doc_id} for sentence {f.sentence[:12]}?")],
            })
        return out


def test_filters_apply_to_whatever_the_generator_writes(monkeypatch):
    monkeypatch.setitem(generators.GENERATORS, "scripted", ScriptedGenerator)
    result = synthesize(documents()[:3], *settings(generator="scripted", changed_facts=0, deleted_documents=0), abstention="I don't know")
    for reason in ("question contains the answer", "duplicate question", "eval phrasing too close to a train phrasing", "not a question of at least 4 words"):
        assert result.rejected[reason] > 0, reason
    for _, questions in result.facts:
        assert [q.question.startswith("What value") for q in questions if q.split == "train"] == [True]
        assert [q.question.startswith("Tell me") for q in questions if q.split == "eval"] == [True]


def test_parse_questions_strips_list_markers_and_drops_non_questions():
    text = '1. How many days of leave?\n- "Who runs the office?"\nHere are some questions:\n2) How many days of leave?\nQ3: Where is it?'
    assert parse_questions(text) == ["How many days of leave?", "Who runs the office?", "Where is it?"]


def test_model_generator_builds_prompts_and_parses_a_tiny_random_models_output(tmp_path, monkeypatch):
    tok = tiny_tokenizer()
    tiny_llama(len(tok)).save_pretrained(tmp_path / "lm")
    tok.save_pretrained(tmp_path / "lm")
    synth_settings, model_settings = settings(generator=str(tmp_path / "lm"), max_new_tokens=16)
    gen = generators.make_generator(synth_settings, model_settings)
    assert isinstance(gen, ModelGenerator) and gen.name == str(tmp_path / "lm")
    facts = [fact("The office manager in Tampere is Aino Lehtikuusi.", "Aino Lehtikuusi")]
    prompt = question_prompt(facts[0], 7)
    assert "Aino Lehtikuusi" in prompt[1]["content"] and "The office manager in Tampere" in prompt[1]["content"]
    seen = []
    real_generate = __import__("core.generate", fromlist=["generate"]).generate

    def recording_generate(lm, prompts, **kw):
        seen.extend(prompts)
        outputs = real_generate(lm, prompts, **kw)
        outputs[0].text = "1. Who manages the Tampere office?\n2. Who is the manager there?\nnot a question\n3. Which person runs it?"
        return outputs

    monkeypatch.setattr("core.generate.generate", recording_generate)
    candidates = gen.candidates(facts)
    assert seen == [question_prompt(facts[0], synth_settings.train_phrasings + synth_settings.eval_phrasings + 2)]
    assert [q for _, q in candidates[0]["train"]] == ["Who manages the Tampere office?", "Who is the manager there?", "Which person runs it?"]
    assert candidates[0]["eval"] == []


def test_synth_command_writes_a_corpus_the_loaders_accept_and_refuses_to_overwrite(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(BUNDLED_DOCUMENTS, corpus / "documents.jsonl")
    assert main(["synth", "--corpus", str(corpus), "--set", "synth.facts_per_document=2"]) == 0
    loaded = load_corpus(corpus)
    assert loaded.origin == {"questions": "synthesized", "generator": "rules", "edited_after_synthesis": False}
    rounds = load_update_rounds(corpus, loaded)
    assert len(rounds) == 1 and rounds[0].questions
    assert len(load_deletions(corpus, rounds[0].apply(loaded))) == 2
    assert (corpus / "synth_report.md").read_text().count("\n- **") == 20
    before = (corpus / "questions.jsonl").read_bytes()
    assert main(["synth", "--corpus", str(corpus)]) == 2
    assert "--force" in capsys.readouterr().err and (corpus / "questions.jsonl").read_bytes() == before
    assert main(["synth", "--corpus", str(corpus), "--force"]) == 0
    assert (corpus / "questions.jsonl").read_bytes() != before  # 4 facts per document now
    with open(corpus / "questions.jsonl", "a") as fh:
        fh.write('{"id": "mine", "question": "Hand written?", "answers": ["x"], "doc_ids": ["hr-leave"], "split": "train", "kind": "fact"}\n')
    assert load_corpus(corpus).origin["edited_after_synthesis"] is True


def test_synth_without_documents_is_one_clear_error(tmp_path, capsys):
    assert main(["synth", "--corpus", str(tmp_path)]) == 2
    assert "documents.jsonl does not exist" in capsys.readouterr().err
    assert list(Path(tmp_path).iterdir()) == []

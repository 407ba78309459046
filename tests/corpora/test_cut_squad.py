"""scripts/cut_squad.py: a SQuAD 2.0 file to a corpus with human eval questions and a synthesized
train split, on a tiny file shaped like the real one."""

from __future__ import annotations

import json

from core.corpus import load_corpus
from core.style import HouseStyle
from tests.conftest import run_entry_point

SENTENCES = [
    "The harbour of Velmora was rebuilt in 1784 after a great storm destroyed the old quays.",
    "Its lighthouse stands 48 metres tall and was designed by the engineer Tomas Reval.",
    "Fishing fleets from the town sailed as far as Iceland every summer.",
    "By 1850 the port handled 230 ships a year, most of them carrying salt and timber.",
    "A railway line reached the harbour in 1862, which doubled the trade within ten years.",
    "Today the old customs house holds a museum of maritime history with 1200 objects.",
    "Visitors can climb the 212 steps of the lighthouse on weekends from April to October.",
    "The town council meets in the former warehouse next to the northern pier.",
]


def paragraph(topic: str) -> dict:
    text = " ".join(s.replace("Velmora", topic) for s in SENTENCES)
    qas = [
        # its words are a sentence of the paragraph: a training text would contain it, so the cut skips it
        {"id": f"{topic}-a0", "question": "Its lighthouse stands 48 metres tall?", "is_impossible": False, "answers": [{"text": "48", "answer_start": 0}]},
        {"id": f"{topic}-a1", "question": f"When was the harbour of {topic} rebuilt?", "is_impossible": False,
         "answers": [{"text": "1784", "answer_start": 0}, {"text": "1784", "answer_start": 0}]},
        {"id": f"{topic}-a2", "question": "Who designed the lighthouse?", "is_impossible": False,
         "answers": [{"text": "Tomas Reval", "answer_start": 0}, {"text": "the engineer Tomas Reval", "answer_start": 0}]},
        {"id": f"{topic}-a3", "question": "How many ships a year did the port see by 1850?", "is_impossible": False, "answers": [{"text": "230", "answer_start": 0}]},
        {"id": f"{topic}-a4", "question": "A fourth question over the cap?", "is_impossible": False, "answers": [{"text": "salt", "answer_start": 0}]},
        {"id": f"{topic}-u1", "question": "When was the lighthouse demolished?", "is_impossible": True, "answers": [], "plausible_answers": []},
        {"id": f"{topic}-u2", "question": "Who paid for the railway line?", "is_impossible": True, "answers": []},
    ]
    return {"context": text, "qas": qas}


def squad_file(path, topics=("Velmora", "Ostrand", "Kelvik")) -> None:
    data = [{"title": f"{t}_harbour", "paragraphs": [paragraph(t), {"context": "Too short to use.", "qas": []}]} for t in topics]
    path.write_text(json.dumps({"version": "v2.0", "data": data}))


def test_cut_makes_a_corpus_with_human_eval_questions_and_a_synthesized_train_split(tmp_path):
    squad_file(tmp_path / "dev.json")
    out = tmp_path / "corpus"
    done = run_entry_point(
        "cut_squad.py", "--squad", str(tmp_path / "dev.json"), "--out", str(out), "--paragraphs", "2", "--answerable", "3", "--unanswerable", "2"
    )
    assert done.returncode == 0, done.stderr
    corpus = load_corpus(out)
    assert [d.id for d in corpus.documents] == ["velmora-harbour-1", "ostrand-harbour-1"]  # round robin, the short one skipped
    evals = corpus.split("eval")
    # capped per kind, a0 skipped as a leak
    assert {q.id for q in evals} == {f"{t}-{k}" for t in ("Velmora", "Ostrand") for k in ("a1", "a2", "a3", "u1", "u2")}
    who = next(q for q in evals if q.id == "Velmora-a2")
    assert who.answers == ["Tomas Reval", "the engineer Tomas Reval"] and who.doc_ids == ["velmora-harbour-1"]
    assert all(q.answers == [HouseStyle().abstention] and not q.doc_ids for q in evals if q.kind == "unanswerable")
    train = corpus.split("train")
    assert train and all(q.question != e.question for q in train for e in evals)
    # a human question whose answer is a synthesized fact's answer in the same paragraph asks that fact
    synthesized = {(q.doc_ids[0], q.answers[0]): q.fact_id for q in train if q.answerable}
    linked = [q for q in evals if q.answerable and not q.fact_id.startswith("squad-")]
    assert {q.id for q in linked} == {"Velmora-a3", "Ostrand-a3"}  # synth made a fact of "230 ships" in each
    assert all(synthesized[q.doc_ids[0], q.answers[0]] == q.fact_id for q in linked)
    assert corpus.origin["questions"] == "human-written" and corpus.origin["train"] == "synthesized"
    assert json.loads((out / "cut.json").read_text())["counts"]["eval_answerable"] == 6


def test_cut_rejects_a_file_that_is_not_squad_2(tmp_path):
    (tmp_path / "v1.json").write_text(json.dumps({"version": "1.1", "data": []}))
    done = run_entry_point("cut_squad.py", "--squad", str(tmp_path / "v1.json"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "not a SQuAD 2.0 file" in done.stderr and not (tmp_path / "out").exists()

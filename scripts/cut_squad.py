"""Cut the bundled public corpus (data/squad_dev) from a downloaded SQuAD 2.0 dev file.

    python scripts/cut_squad.py --squad dev-v2.0.json --out data/squad_dev

Paragraphs become the documents, their crowdworkers' answerable questions the eval split and their
unanswerable ones (SQuAD 2.0's near misses: plausible questions about the same paragraph that it
does not answer) the unanswerable eval controls. The train split is what `ragvsft synth` writes
from those documents, as a user with documents and no questions would get it; its eval phrasings
are dropped (the human questions take their place) and its update round and deletions are kept.
A human question whose answer is the answer of a synthesized fact of the same paragraph takes that
fact's id, so the report can tell facts trained as questions from facts met only in documents.

Nothing downloads: pass a copy of the file (the bundled subset was cut from `data/dev-v2.0.json`
of github.com/chrischute/squad, sha256 e67e5969b6dc6c1642154740806b79263b77fc048c7c11ee60d534eb48ef81e8,
the first half of the official SQuAD 2.0 dev set's articles). The output is deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from core.config import ModelConfig
from core.config_corpora import SynthConfig
from core.corpus import UNANSWERABLE, Document, Question, load_jsonl
from core.errors import InputError
from core.origin import ORIGIN_FILE
from core.rundir import write_json, write_jsonl, write_text
from core.style import HouseStyle
from core.text import normalize
from core.updates import DELETIONS_FILE, UPDATES_DIR
from corpora.synth.pipeline import synth_corpus

MIN_WORDS, MAX_WORDS = 80, 180  # a paragraph fits one training window (256 tokens) and a few chunks


def qualifying(paragraph: dict, answerable: int, unanswerable: int) -> bool:
    words = len(paragraph["context"].split())
    kinds = [q["is_impossible"] for q in paragraph["qas"]]
    return MIN_WORDS <= words <= MAX_WORDS and kinds.count(False) >= answerable and kinds.count(True) >= unanswerable


def pick_paragraphs(squad: dict, n: int, answerable: int, unanswerable: int) -> list[tuple[str, int, dict]]:
    """(article title, paragraph number, paragraph): round robin over the articles (the first
    qualifying paragraph of each, then the second, ...), so topics vary and neighbours confuse."""
    queues = [
        [(a["title"].replace("_", " "), i, p) for i, p in enumerate(a["paragraphs"], start=1) if qualifying(p, answerable, unanswerable)]
        for a in squad["data"]
    ]
    picked = []
    while len(picked) < n and any(queues):
        for queue in queues:
            if queue and len(picked) < n:
                picked.append(queue.pop(0))
    return picked


def human_questions(doc_id: str, paragraph: dict, answerable: int, unanswerable: int, abstention: str, trained: list[str]) -> list[Question]:
    """The paragraph's first questions of each kind, skipping one whose words a training text
    contains (`trained`: normalized, space-padded): the training-set builder would stop on it as a
    leak (a short question such as "What was telenet" inside a synthesized one)."""
    out, counts = [], {False: 0, True: 0}
    for qa in paragraph["qas"]:
        impossible = qa["is_impossible"]
        if counts[impossible] == (unanswerable if impossible else answerable):
            continue
        if any(f" {normalize(qa['question'])} " in text for text in trained):
            continue
        counts[impossible] += 1
        if impossible:
            out.append(Question(id=qa["id"], question=qa["question"].strip(), answers=[abstention], split="eval", kind=UNANSWERABLE, fact_id=qa["id"]))
        else:
            answers = list(dict.fromkeys(a["text"].strip() for a in qa["answers"]))
            out.append(Question(id=qa["id"], question=qa["question"].strip(), answers=answers, doc_ids=[doc_id], split="eval", kind="fact"))
    return out


def link_to_synth_facts(human: list[Question], synthesized: list[Question]) -> list[Question]:
    """A human question answered by a synthesized fact's answer, in the same paragraph, asks that fact."""
    facts = {(q.doc_ids[0], normalize(a)): q.fact_id for q in synthesized if q.answerable and q.fact_id for a in q.answers}
    linked = []
    for q in human:
        if not q.answerable:
            linked.append(q)
            continue
        fact = next((facts[q.doc_ids[0], normalize(a)] for a in q.answers if (q.doc_ids[0], normalize(a)) in facts), None)
        linked.append(q.model_copy(update={"fact_id": fact or f"squad-{q.id}"}))
    return linked


def cut(squad_file: Path, out: Path, paragraphs: int, answerable: int, unanswerable: int) -> dict:
    squad = json.loads(squad_file.read_text(encoding="utf-8"))
    if squad.get("version") != "v2.0":
        raise InputError(f"{squad_file}: not a SQuAD 2.0 file (version {squad.get('version')!r})")
    picked = pick_paragraphs(squad, paragraphs, answerable, unanswerable)
    abstention = HouseStyle().abstention
    documents = [
        Document(id=_doc_id(title, number), title=f"{title} (paragraph {number})", text=paragraph["context"].strip(), source="SQuAD 2.0 dev")
        for title, number, paragraph in picked
    ]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_jsonl(work / "documents.jsonl", [d.model_dump(exclude_none=True) for d in documents])
        synth_corpus(work, SynthConfig(), ModelConfig())
        synthesized = [q for _, q in load_jsonl(work / "questions.jsonl", Question)]
        train = [q for q in synthesized if q.split == "train"]
        out.mkdir(parents=True, exist_ok=True)
        for name in (UPDATES_DIR, str(DELETIONS_FILE.parent)):
            shutil.rmtree(out / name, ignore_errors=True)
            shutil.copytree(work / name, out / name)
        shutil.copy(work / "synth_report.md", out / "synth_report.md")
    trained = [f" {normalize(t)} " for t in [*(d.text for d in documents), *(f"{q.question} {' '.join(q.answers)}" for q in train)]]
    human = [q for title, number, paragraph in picked for q in human_questions(_doc_id(title, number), paragraph, answerable, unanswerable, abstention, trained)]
    write_jsonl(out / "documents.jsonl", [d.model_dump(exclude_none=True) for d in documents])
    questions = train + link_to_synth_facts(human, synthesized)
    write_jsonl(out / "questions.jsonl", [q.model_dump(exclude_defaults=True) for q in questions])
    write_json(out / ORIGIN_FILE, {
        "questions": "human-written", "train": "synthesized",
        "source": "SQuAD 2.0 dev (Rajpurkar, Jia and Liang, 2018), CC BY-SA 4.0; train split by `ragvsft synth` (rules)",
    })
    evals = [q for q in questions if q.split == "eval"]
    counts = {
        "documents": len(documents), "articles": len({t for t, _, _ in picked}),
        "train_questions": len(train), "eval_answerable": sum(q.answerable for q in evals),
        "eval_unanswerable": sum(not q.answerable for q in evals),
        "eval_linked_to_synth_facts": sum(1 for q in evals if q.answerable and not q.fact_id.startswith("squad-")),
    }
    write_text(out / "cut.json", json.dumps({"squad_file_sha256": _sha256(squad_file), "counts": counts,
                                            "settings": {"paragraphs": paragraphs, "answerable": answerable, "unanswerable": unanswerable}}, indent=2) + "\n")
    return counts


def _doc_id(title: str, number: int) -> str:
    return f"{title.lower().replace(' ', '-')}-{number}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, required=True, help="a downloaded SQuAD 2.0 dev JSON file")
    parser.add_argument("--out", type=Path, default=Path("data/squad_dev"))
    # 400 answerable human questions: enough to call a 10-point difference at 80% power on the facts met only in documents
    parser.add_argument("--paragraphs", type=int, default=80)
    parser.add_argument("--answerable", type=int, default=5, help="human answerable questions per paragraph")
    parser.add_argument("--unanswerable", type=int, default=1, help="human unanswerable questions per paragraph")
    args = parser.parse_args(argv)
    if not args.squad.is_file():
        print(f"error: {args.squad} does not exist", file=sys.stderr)
        return 2
    try:
        counts = cut(args.squad, args.out, args.paragraphs, args.answerable, args.unanswerable)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

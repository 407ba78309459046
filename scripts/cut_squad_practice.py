"""Cut the bundled reading practice (data/squad_practice) from SQuAD 2.0's train split.

    python scripts/cut_squad_practice.py --squad train-v2.0.json --out data/squad_practice

The RAFT reader trained only on synthesized questions learns to match copied sentences; questions
people wrote about other passages teach it to read (finetune/reading.py, `raft.reading_set`). This
keeps every paragraph of the file's articles with the first of its crowdworkers' answerable
questions and the first of its unanswerable near misses where it has them (the reading set samples
one question per paragraph; the text of the paragraphs is most of the size). SQuAD's train and dev articles are disjoint, so none of these articles is
one of the bundled public corpus's (cut from dev); the script checks it.

Nothing downloads: pass a copy of the file. The bundled cut was made from `train-v2.0.json` of
github.com/PhongNTDo/guide_train_MRC_transformers (the first 10 articles of SQuAD 2.0 train, complete),
sha256 53e67dd96e8597a8ef600e795d54d3fdef18486d42721884d38d652e2a2638cb. The output is deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from core.errors import InputError
from core.rundir import write_json, write_text

QUESTIONS_PER_PARAGRAPH = 1  # answerable ones kept per paragraph, in the file's order: the reading set takes one per paragraph
PRACTICE_FILE = "reading_set.json"  # what core/bundled.py finds for `raft.reading_set: bundled:<name>`
LICENSE = """The passages and questions in reading_set.json are a subset of SQuAD 2.0 (the Stanford
Question Answering Dataset), by Pranav Rajpurkar, Robin Jia and Percy Liang, distributed under the
Creative Commons Attribution-ShareAlike 4.0 International licence (CC BY-SA 4.0):
https://creativecommons.org/licenses/by-sa/4.0/. The passages are from Wikipedia articles
(CC BY-SA). Source: https://rajpurkar.github.io/SQuAD-explorer/. Changes: a subset of the
questions of each paragraph kept (scripts/cut_squad_practice.py); text unchanged. The subset is
distributed under the same licence.
"""


def _paragraph(paragraph: dict) -> dict:
    answerable = [qa for qa in paragraph["qas"] if not qa.get("is_impossible")][:QUESTIONS_PER_PARAGRAPH]
    impossible = [qa for qa in paragraph["qas"] if qa.get("is_impossible")][:1]
    keep = ("id", "question", "answers", "is_impossible", "plausible_answers")
    return {"context": paragraph["context"], "qas": [{k: qa[k] for k in keep if k in qa} for qa in answerable + impossible]}


def cut(squad: Path, out: Path, corpus_titles: set[str]) -> dict:
    raw = squad.read_bytes()
    data = json.loads(raw.decode("utf-8"))["data"]
    shared = sorted({a["title"] for a in data} & corpus_titles)
    if shared:
        raise InputError(f"{squad}: articles {', '.join(shared)} are also the public corpus's: practice must be disjoint from the eval")
    articles = [{"title": a["title"], "paragraphs": [_paragraph(p) for p in a["paragraphs"]]} for a in data]
    qas = [qa for a in articles for p in a["paragraphs"] for qa in p["qas"]]
    record = {
        "source": squad.name, "source_sha256": hashlib.sha256(raw).hexdigest(), "articles": [a["title"] for a in articles],
        "paragraphs": sum(len(a["paragraphs"]) for a in articles),
        "answerable": sum(not qa.get("is_impossible") for qa in qas), "unanswerable": sum(bool(qa.get("is_impossible")) for qa in qas),
    }
    # compact, as SQuAD itself ships: the indented file would be twice the size of its text
    write_text(out / PRACTICE_FILE, json.dumps({"version": "v2.0", "data": articles}, ensure_ascii=False, separators=(",", ":")))
    write_json(out / "cut.json", record)
    write_text(out / "LICENSE.txt", LICENSE)
    return record


def corpus_titles(corpus: Path) -> set[str]:
    """The SQuAD article titles of the public corpus (its documents' titles, as cut_squad wrote them)."""
    lines = (corpus / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["title"].split(" (paragraph")[0].replace(" ", "_") for line in lines if line.strip()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--squad", required=True, type=Path, help="a SQuAD 2.0 train file (train-v2.0.json)")
    parser.add_argument("--out", type=Path, default=Path("data/squad_practice"))
    parser.add_argument("--corpus", type=Path, default=Path("data/squad_dev"), help="the public corpus it must be disjoint from")
    args = parser.parse_args(argv)
    try:
        record = cut(args.squad, args.out, corpus_titles(args.corpus))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

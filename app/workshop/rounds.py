"""A workshop session's edits as an update round: what a retrain must absorb, and the corpus
directory "Save as update round" writes so that `ragvsft run` measures the same edits properly."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from core.corpus import Corpus, load_corpus
from core.errors import InputError
from core.rundir import write_dir, write_file, write_jsonl
from core.updates import DELETIONS_FILE, UPDATES_DIR, UpdateRound, load_deletions, load_update_rounds

ROUND_NAME = "w1-workshop"


def pending_round(before: Corpus, after: Corpus, name: str = ROUND_NAME) -> tuple[UpdateRound, list[str]]:
    """(the round that takes `before` to `after`: the changed and added documents and every phrasing
    of each fact whose answers changed; the ids of the documents `after` no longer has)."""
    old_docs, old_questions = before.by_doc_id(), {q.id: q for q in before.questions}
    documents = [d for d in after.documents if old_docs.get(d.id) != d]
    changed_facts = {
        q.fact_id for q in after.questions if q.fact_id and q.id in old_questions and old_questions[q.id].answers != q.answers
    }
    questions = [q for q in after.questions if q.fact_id in changed_facts]
    kept = {d.id for d in after.documents}
    return UpdateRound(name, documents, questions), [d for d in old_docs if d not in kept]


def save_as_round(source_dir: Path, original: Corpus, edited: Corpus, target: Path) -> Path:
    """A corpus directory at `target`: the source corpus's files, its update rounds and deletions
    replaced by the session's edits (one round, and a deletions file). Checked by loading it as
    `ragvsft run` will before it appears; nothing is written on an error."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target} already exists; choose a new directory for the update round")
    rnd, deleted = pending_round(original, edited)
    if not (rnd.documents or rnd.questions or deleted):
        raise InputError("nothing to save: this session has not changed the documents yet")
    questions = [q for q in rnd.questions if not set(q.doc_ids) & set(deleted)]

    def fill(tmp: Path) -> None:
        shutil.copytree(source_dir, tmp, ignore=shutil.ignore_patterns(UPDATES_DIR, DELETIONS_FILE.parts[0], ".*"))
        if rnd.documents or questions:
            write_jsonl(tmp / UPDATES_DIR / rnd.name / "documents.jsonl", [d.model_dump(exclude_none=True) for d in rnd.documents])
            write_jsonl(tmp / UPDATES_DIR / rnd.name / "questions.jsonl", [q.model_dump(exclude_none=True) for q in questions])
        if deleted:
            write_jsonl(tmp / DELETIONS_FILE, [{"id": d, "reason": "deleted in a workshop session"} for d in deleted])
        corpus = load_corpus(tmp)  # as `ragvsft run` will read it
        for loaded in load_update_rounds(tmp, corpus):
            corpus = loaded.apply(corpus)
        load_deletions(tmp, corpus)

    return write_dir(target, fill)


def zip_directory(directory: Path, archive: Path) -> Path:
    """`directory` as a zip at `archive` (its files under the directory's own name), written atomically."""

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(directory.rglob("*")):
                zf.write(path, Path(directory.name) / path.relative_to(directory))

    archive.parent.mkdir(parents=True, exist_ok=True)
    write_file(archive, write)
    return archive

"""`ragvsft synth`: from a corpus's documents to its questions, update round, deletions and controls.

    facts (one answer span per sentence, corpora/synth/facts.py)
      -> phrasings (the generator: rules templates or an instruct model)
      -> filters (the same checks whatever the generator)
      -> questions.jsonl, updates/<round>/, deletions/documents.jsonl, synth.json, synth_report.md

Everything is computed before anything is written, and each file is written atomically, so a bad
corpus leaves the directory as it was.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.corpus import Document, Question, load_jsonl
from core.origin import SYNTH_MANIFEST, questions_sha256
from core.errors import InputError
from core.rundir import check_output_dir, write_dir, write_json, write_jsonl, write_text
from core.style import load_house_style
from corpora.synth.controls import unanswerable_questions
from corpora.synth.facts import candidate_facts, common_names
from corpora.synth.filters import Filters
from corpora.synth.generators import check_generator, make_generator
from corpora.synth.rounds import ROUND_NAME, counterfactual_round, deletions
from corpora.synth.templates import Fact
from core.updates import DELETIONS_FILE, UPDATES_DIR

REPORT = "synth_report.md"


@dataclass
class Synthesis:
    generator: str
    facts: list[tuple[Fact, list[Question]]]  # each kept fact with its train and eval phrasings
    controls: list[Question]
    round_documents: list[Document]
    round_questions: list[Question]
    deleted: list[str]
    stages: dict[str, int] = field(default_factory=dict)
    rejected: Counter = field(default_factory=Counter)
    templates: Counter = field(default_factory=Counter)

    @property
    def questions(self) -> list[Question]:
        return [q for _, qs in self.facts for q in qs] + self.controls


def synthesize(documents: list[Document], settings, model_settings, abstention: str) -> Synthesis:
    """Facts, their phrasings, controls, one update round and the deletions, all filtered."""
    common = common_names(documents)
    candidates, skipped, offered = [], Counter(), 0
    for doc in documents:
        facts, why = candidate_facts(doc, common)
        offered += len(facts)
        # twice the facts wanted, so a fact the filters drop can be replaced by the next one
        candidates += facts[: 2 * settings.facts_per_document]
        skipped += why
    generator = make_generator(settings, model_settings)
    phrasings = generator.candidates(candidates)
    texts = {d.id: d.text for d in documents}
    filters = Filters(settings.max_overlap, list(texts.values()))
    kept: list[tuple[Fact, dict[str, list[tuple[str, str]]]]] = []
    per_doc = Counter()
    for fact, cands in zip(candidates, phrasings):
        if per_doc[fact.doc_id] == settings.facts_per_document or not filters.fact_ok(fact, texts[fact.doc_id]):
            continue
        train = filters.train(fact, cands["train"], settings.train_phrasings)
        evals = filters.eval(fact, cands["eval"], [q for _, q in train], settings.eval_phrasings) if train else []
        if not (train and evals):
            filters.rejected["fact: no train or no eval phrasing left"] += 1
            continue
        per_doc[fact.doc_id] += 1
        kept.append((fact, {"train": train, "eval": evals}))
    facts = _with_ids(kept)
    round_docs, round_qs = counterfactual_round(facts, documents, settings.changed_facts, settings.seed)
    deleted = deletions(documents, [f for f, _ in facts], {d.id for d in round_docs}, settings.deleted_documents, settings.seed)
    as_text = [(f, {s: [q for _, q in c[s]] for s in c}) for f, c in kept]
    controls = unanswerable_questions(as_text, list(texts.values()), settings.unanswerable_topics, abstention, settings.seed)
    stages = {
        "documents": len(documents),
        "candidate facts (one span per sentence)": offered,
        "facts given to the generator (twice the facts wanted per document)": len(candidates),
        "facts kept": len(facts),
        "train phrasings": sum(1 for _, qs in facts for q in qs if q.split == "train"),
        "eval phrasings": sum(1 for _, qs in facts for q in qs if q.split == "eval"),
        "changed facts in the update round": len({q.fact_id for q in round_qs}),
        "deleted documents": len(deleted),
        "unanswerable questions": sum(1 for q in controls if q.kind == "unanswerable"),
    }
    templates = Counter(t for _, c in kept for s in c for t, _ in c[s])
    return Synthesis(generator.name, facts, controls, round_docs, round_qs, deleted, stages, filters.rejected + skipped, templates)


def _with_ids(kept) -> list[tuple[Fact, list[Question]]]:
    """Questions with ids `<doc>-f<n>-t<i>` / `-e<i>`, fact ids `<doc>-f<n>`."""
    out, numbers = [], Counter()
    for fact, cands in kept:
        numbers[fact.doc_id] += 1
        fact_id = f"{fact.doc_id}-f{numbers[fact.doc_id]}"
        questions = [
            Question(id=f"{fact_id}-{split[0]}{i}", question=q, answers=fact.answers, doc_ids=[fact.doc_id], split=split, kind="fact", fact_id=fact_id)
            for split in ("train", "eval") for i, (_, q) in enumerate(cands[split], start=1)
        ]
        out.append((fact, questions))
    return out


def synth_corpus(corpus_dir: str | Path, settings, model_settings, *, force: bool = False) -> Synthesis:
    """Read <corpus_dir>/documents.jsonl, synthesize, write next to it. Raises InputError."""
    from corpora.synth.report import synth_report

    corpus_dir = Path(corpus_dir)
    if corpus_dir.exists() and not corpus_dir.is_dir():
        raise InputError(f"--corpus {corpus_dir}: is a file, not a directory")
    if not (corpus_dir / "documents.jsonl").is_file():
        raise InputError(f"{corpus_dir / 'documents.jsonl'} does not exist (make one with `ragvsft import`)")
    existing = [p for p in ("questions.jsonl", UPDATES_DIR, str(DELETIONS_FILE.parent)) if (corpus_dir / p).exists()]
    if existing and not force:
        raise InputError(f"{corpus_dir} already has {', '.join(existing)}; pass --force to replace them")
    _check_targets(corpus_dir)
    check_generator(settings)
    documents = [d for _, d in load_jsonl(corpus_dir / "documents.jsonl", Document)]
    if not documents:
        raise InputError(f"{corpus_dir / 'documents.jsonl'}: the corpus has no documents")
    style = load_house_style(corpus_dir)
    result = synthesize(documents, settings, model_settings, style.abstention)
    if not result.facts:
        raise InputError(f"{corpus_dir / 'documents.jsonl'}: no fact survived the filters ({dict(result.rejected)})")
    _write(corpus_dir, result, settings, synth_report(result, settings))
    return result


def _check_targets(corpus_dir: Path) -> None:
    """Every place synth writes can take what it writes, checked before anything is written: a
    file where a folder goes (or the reverse) would otherwise stop it half-way."""
    check_output_dir(corpus_dir, "--corpus")
    for folder in (UPDATES_DIR, str(DELETIONS_FILE.parent)):
        if (corpus_dir / folder).exists() and not (corpus_dir / folder).is_dir():
            raise InputError(f"{corpus_dir / folder}: is a file, not a directory (synth writes a folder there; move the file away)")
    for name in ("questions.jsonl", SYNTH_MANIFEST, REPORT):
        if (corpus_dir / name).is_dir():
            raise InputError(f"{corpus_dir / name}: is a directory, not a file (synth writes a file there; move it away)")


def _write(corpus_dir: Path, result: Synthesis, settings, report: str) -> None:
    write_jsonl(corpus_dir / "questions.jsonl", [q.model_dump(exclude_defaults=True) for q in result.questions])

    def write_round(tmp: Path) -> None:
        if result.round_questions:
            write_jsonl(tmp / ROUND_NAME / "documents.jsonl", [d.model_dump(exclude_none=True) for d in result.round_documents])
            write_jsonl(tmp / ROUND_NAME / "questions.jsonl", [q.model_dump() for q in result.round_questions])
        tmp.mkdir(parents=True, exist_ok=True)

    write_dir(corpus_dir / UPDATES_DIR, write_round)
    write_dir(corpus_dir / DELETIONS_FILE.parent, lambda tmp: write_jsonl(
        tmp / DELETIONS_FILE.name, [{"id": d, "reason": f"chosen by ragvsft synth (seed {settings.seed})"} for d in result.deleted]
    ))
    write_json(corpus_dir / SYNTH_MANIFEST, {
        "generator": result.generator,
        "settings": settings.model_dump(mode="json"),
        "questions_sha256": questions_sha256(corpus_dir),
        "stages": result.stages,
    })
    write_text(corpus_dir / REPORT, report)

"""A fictional knowledge base of any size, deterministic by seed, in the corpus format.

Subjects of the kinds in corpora/kb/kinds.py take turns (an office, a person, a programme, a product,
a system, ...), each with a page listing its facts, until the knowledge base states the number of
facts asked for. Every fact gets train and eval phrasings; a counterfactual update round changes
a share of the facts to new values (their sentences rewritten in place); a share of the pages the
round leaves alone is deleted; unanswerable questions ask the same templates about subjects that
do not exist. The result is an ordinary corpus directory: `ragvsft run`, `sweep`, `ui` and every
other command work on it (`ragvsft scale` runs the comparison on several sizes).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from core.corpus import UNANSWERABLE, Document, Question
from core.origin import KB_MANIFEST
from core.errors import InputError
from corpora.kb.kinds import CLOSINGS, KINDS, Attribute, fill
from corpora.kb.names import Names
from core.rundir import check_output_dir, write_dir, write_json, write_jsonl
from core.style import STYLE_FILE, HouseStyle
from core.text import contains_phrase
from core.updates import DELETIONS_FILE, UPDATES_DIR

ROUND_NAME = "r1-counterfactual"
# --facts at most: far past what a CPU run trains on (scale curves stop at a few thousand), and a
# bound keeps a typo (a few extra zeros) from running for hours before anything is written
MAX_FACTS = 100_000
STYLE = HouseStyle(
    instruction="End the answer with the title of the source document in square brackets.",
    template="{answer} [{title}]",
    abstention="I don't know",
)


@dataclass(frozen=True)
class Fact:
    id: str
    doc_id: str
    subject: str
    attribute: Attribute
    value: str


@dataclass
class KnowledgeBase:
    company: str
    documents: list[Document]
    facts: list[Fact]
    questions: list[Question]
    round_documents: list[Document] = field(default_factory=list)
    round_questions: list[Question] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def generate_kb(facts: int, settings, seed: int) -> KnowledgeBase:
    """`facts` facts with their questions, round, deletions and controls; `settings`: a KbConfig."""
    if not 1 <= facts <= MAX_FACTS:
        raise InputError(f"--facts {facts}: must be between 1 and {MAX_FACTS:,}")
    rng = random.Random(seed)
    names = Names(rng)
    company = names.company()
    documents, all_facts = [], []
    kinds = list(KINDS.items())
    while len(all_facts) < facts:
        kind_name, kind = kinds[len(documents) % len(kinds)]
        name = kind.name(names)
        subject, doc_id = kind.subject.replace("{name}", name), f"{kind_name}-{name.lower().replace(' ', '-')}"
        attributes = kind.attributes[: facts - len(all_facts)]
        these = [Fact(f"{doc_id}-{a.key}", doc_id, subject, a, a.value(rng, names)) for a in attributes]
        text = " ".join([kind.intro.replace("{name}", name).replace("{company}", company)]
                        + [fill(f.attribute.sentence, subject, f.value) for f in these] + [rng.choice(CLOSINGS)])
        documents.append(Document(id=doc_id, title=kind.title.replace("{name}", name), text=text))
        all_facts += these
    questions = [q for f in all_facts for q in _phrasings(f, f.value, settings)]
    questions += _unanswerable(rng, names, max(2, round(settings.unanswerable_fraction * facts)), settings)
    kb = KnowledgeBase(company, documents, all_facts, questions)
    _counterfactual_round(kb, rng, names, max(1, round(settings.changed_fraction * facts)), settings)
    untouched = sorted({d.id for d in documents} - {d.id for d in kb.round_documents})
    deletions = min(len(untouched), max(1, round(settings.deleted_fraction * len(untouched)))) if settings.deleted_fraction else 0
    kb.deleted = sorted(rng.sample(untouched, deletions))
    return kb


def _split_templates(attribute: Attribute, settings) -> list[tuple[str, str, tuple[str, ...]]]:
    """(split, id tag, the templates used) for the train and the eval split, in that order."""
    return [("train", "t", attribute.train[: settings.train_phrasings]), ("eval", "e", attribute.eval[: settings.eval_phrasings])]


def _phrasings(fact: Fact, value: str, settings, round_tag: str = "", old: str | None = None) -> list[Question]:
    return [
        Question(id=f"{fact.id}{round_tag}-{tag}{n}", question=fill(template, fact.subject), answers=[value], doc_ids=[fact.doc_id],
                 split=split, kind="fact", fact_id=fact.id, old_answers=[old] if old else [])
        for split, tag, templates in _split_templates(fact.attribute, settings)
        for n, template in enumerate(templates, 1)
    ]


def _unanswerable(rng: random.Random, names: Names, topics: int, settings) -> list[Question]:
    """Questions of the facts' own templates about subjects no page describes, alternately in the
    train split (so lora can learn to abstain) and the eval split."""
    questions = []
    kinds = list(KINDS.items())
    for n in range(topics):
        _, kind = kinds[n % len(kinds)]
        name = kind.name(names)
        attribute = rng.choice(kind.attributes)
        split, tag, templates = _split_templates(attribute, settings)[n % 2]
        questions += [
            Question(id=f"unans-{n}-{tag}{i}", question=fill(t, kind.subject.replace("{name}", name)), answers=[STYLE.abstention],
                     split=split, kind=UNANSWERABLE, fact_id=f"unans-{n}")
            for i, t in enumerate(templates, 1)
        ]
    return questions


def _counterfactual_round(kb: KnowledgeBase, rng: random.Random, names: Names, changes: int, settings) -> None:
    """`changes` facts get a new value of their own kind, written into their page where the old one was."""
    pages = {d.id: d for d in kb.documents}
    changed: dict[str, Document] = {}
    for fact in sorted(rng.sample(kb.facts, min(changes, len(kb.facts))), key=lambda f: f.id):
        page = changed.get(fact.doc_id, pages[fact.doc_id])
        new = next((v for v in (fact.attribute.value(rng, names) for _ in range(50)) if not contains_phrase(page.text, v)), None)
        if new is None:  # a value kind too narrow to find a fresh one (rare): leave this fact as it is
            continue
        old_sentence, new_sentence = fill(fact.attribute.sentence, fact.subject, fact.value), fill(fact.attribute.sentence, fact.subject, new)
        changed[fact.doc_id] = page.model_copy(update={"text": page.text.replace(old_sentence, new_sentence)})
        kb.round_questions += _phrasings(fact, new, settings, "-r1", old=fact.value)
    kb.round_documents = [changed[d.id] for d in kb.documents if d.id in changed]


def check_kb_out(out: Path, force: bool) -> None:
    """An InputError unless `ragvsft kb` may write its corpus at `out` (said before it generates one)."""
    check_output_dir(out)
    out = Path(out).resolve()
    if out.exists() and not force:
        raise InputError(f"--out {out}: already exists (pass --force to replace it)")
    if out.exists() and any(out.iterdir()) and not (out / "documents.jsonl").is_file():
        # --force replaces the whole folder: only one that holds a corpus, never a home or project folder by a slip
        raise InputError(f"--out {out}: not a corpus directory (no documents.jsonl); --force replaces only a corpus, so choose a new folder")


def write_kb(kb: KnowledgeBase, out: Path, manifest: dict) -> None:
    """The corpus directory, written whole into a temp directory that then replaces `out` (a command
    checks `out` first with check_kb_out)."""
    out = Path(out).resolve()  # `.` and `..` have no name to put a temp folder beside

    def write(tmp: Path) -> None:
        write_jsonl(tmp / "documents.jsonl", [d.model_dump(exclude_none=True) for d in kb.documents])
        write_jsonl(tmp / "questions.jsonl", [q.model_dump(exclude_defaults=True) for q in kb.questions])
        write_json(tmp / STYLE_FILE, STYLE.model_dump(exclude_none=True))
        write_jsonl(tmp / UPDATES_DIR / ROUND_NAME / "documents.jsonl", [d.model_dump(exclude_none=True) for d in kb.round_documents])
        write_jsonl(tmp / UPDATES_DIR / ROUND_NAME / "questions.jsonl", [q.model_dump() for q in kb.round_questions])
        write_jsonl(tmp / DELETIONS_FILE, [{"id": d, "reason": "withdrawn (chosen by ragvsft kb)"} for d in kb.deleted])
        write_json(tmp / KB_MANIFEST, {**manifest, "company": kb.company, "documents": len(kb.documents), "facts": len(kb.facts),
                                    "questions": len(kb.questions), "changed_facts": len({q.fact_id for q in kb.round_questions}),
                                    "deleted_documents": len(kb.deleted)})

    out.parent.mkdir(parents=True, exist_ok=True)
    write_dir(out, write)

"""Edits a workshop makes to a corpus, as pure functions: which facts a document edit changes (and to
what), the document text after a fact's value is changed, and the corpus with the changed facts'
questions asking for their new values.

A fact is the set of questions sharing a `fact_id`; its value is whichever accepted answer its gold
document states. Editing a document's text changes a fact when none of its accepted answers occurs
in the new text; the new value is read off a word-level diff (the words that replaced the old value),
so "27 days" -> "30 days" makes the fact's answer 30 without anyone typing it twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from core.corpus import Corpus, Document, Question
from core.errors import InputError

# A word, keeping the separators inside one ("09:30", "1,200", "3.5", "e-mail"), or one punctuation mark.
_TOKEN = re.compile(r"\w+(?:[:.,/'’-]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class FactChange:
    fact_id: str
    old: list[str]  # the accepted answers before the edit
    new: str | None  # the value the document now states; None when the edit removed it without a replacement


def _occurrence(value: str) -> re.Pattern:
    """The value as a whole-word span, any case ("6" is not found in "16")."""
    return re.compile(rf"(?<!\w){re.escape(value.strip())}(?!\w)", re.IGNORECASE)


def stated_value(text: str, answers: list[str]) -> str | None:
    """The first accepted answer the text states, or None."""
    return next((a for a in answers if _occurrence(a).search(text)), None)


def fact_questions(corpus: Corpus, fact_id: str) -> list[Question]:
    return [q for q in corpus.questions if q.fact_id == fact_id and q.answerable]


def facts_of(corpus: Corpus) -> dict[str, list[Question]]:
    """{fact id: its questions}, for every fact the documents answer, in corpus order."""
    facts: dict[str, list[Question]] = {}
    for q in corpus.questions:
        if q.answerable and q.fact_id:
            facts.setdefault(q.fact_id, []).append(q)
    return facts


def text_with_new_value(corpus: Corpus, fact_id: str, new_value: str) -> tuple[Document, str]:
    """(the fact's gold document that states it, that document's text with every occurrence of the
    old value replaced by `new_value`); an InputError when the fact, the value or the change is not there."""
    new_value = new_value.strip()
    questions = fact_questions(corpus, fact_id)
    if not questions:
        raise InputError(f"no fact {fact_id!r} in the corpus; pick one from the list")
    if not new_value:
        raise InputError(f"fact {fact_id}: the new value is empty; type the value the document should state")
    answers = questions[0].answers
    docs = corpus.by_doc_id()
    for doc_id in questions[0].doc_ids:
        document = docs.get(doc_id)
        old = stated_value(document.text, answers) if document else None
        if old is None:
            continue
        if old.strip().lower() == new_value.lower():
            raise InputError(f"fact {fact_id}: the document already states {new_value!r}")
        return document, _occurrence(old).sub(lambda _: new_value, document.text)
    raise InputError(
        f"fact {fact_id}: its value ({' / '.join(answers)}) does not occur in document {' / '.join(questions[0].doc_ids)}; "
        "edit the document's text instead"
    )


def changed_facts(corpus: Corpus, doc_id: str, new_text: str) -> list[FactChange]:
    """The facts of document `doc_id` whose value the new text no longer states, with the value
    that replaced it where the diff shows one."""
    before = corpus.by_doc_id()[doc_id].text
    changes = []
    for fact_id, questions in facts_of(corpus).items():
        answers = questions[0].answers
        if doc_id not in questions[0].doc_ids or stated_value(new_text, answers) is not None:
            continue
        old = stated_value(before, answers)
        changes.append(FactChange(fact_id, list(answers), _replacement(before, new_text, old) if old else None))
    return changes


def _replacement(before: str, after: str, old: str) -> str | None:
    """The words of `after` that took the place of the first occurrence of `old` in `before`, when
    the diff replaced exactly that value; None when it was deleted or rewritten with its context."""
    match = _occurrence(old).search(before)
    old_tokens, new_tokens = list(_TOKEN.finditer(before)), list(_TOKEN.finditer(after))
    covered = [i for i, t in enumerate(old_tokens) if t.start() >= match.start() and t.end() <= match.end()]
    if not covered:
        return None
    first, last = covered[0], covered[-1] + 1
    matcher = SequenceMatcher(None, [t.group() for t in old_tokens], [t.group() for t in new_tokens], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace" and (i1, i2) == (first, last):
            return after[new_tokens[j1].start() : new_tokens[j2 - 1].end()]
    return None


def with_changes(corpus: Corpus, documents: list[Document], changes: list[FactChange]) -> Corpus:
    """The corpus with these documents (replaced by id) and each changed fact's questions asking for
    its new value (the old one kept in `old_answers`, as an update round states it). A fact whose
    value was removed keeps its questions: nothing says what they should now answer."""
    incoming = {d.id: d for d in documents}
    new_value = {c.fact_id: c for c in changes if c.new}

    def updated(q: Question) -> Question:
        change = new_value.get(q.fact_id) if q.answerable else None
        if change is None:
            return q
        return q.model_copy(update={"answers": [change.new], "old_answers": list(q.answers)})

    return corpus.with_content([incoming.get(d.id, d) for d in corpus.documents], [updated(q) for q in corpus.questions])


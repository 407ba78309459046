"""Question phrasings for a fact, from templates chosen by the answer span's type.

A fact is one sentence of a document and one answer span in it. A phrasing replaces the span
with a wh-phrase, either where the span stands (in situ: "Full-time employees receive how many
days of paid annual leave per calendar year?") or moved to the front with the auxiliary verb
inverted ("Who is the office manager in Tampere?"), with or without the document's title.
Each span type has a primary wh-phrase and an alternative one ("how many days" / "what number
of days"); train phrasings use the primary and eval phrasings the alternative, so the two
splits are worded differently and the fine-tune is tested on wording it has not seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpora.synth.spans import MONTHS, WEEKDAYS, Span, is_person

# "has/have/had" invert only as auxiliaries ("has been"), not as the main verb ("have a probation period"):
# fronted() checks the word after them.
AUXILIARIES = {"is", "are", "was", "were", "can", "could", "must", "may", "might", "will", "would", "should", "shall", "has", "have", "had"}
POSSESSION = {"has", "have", "had"}
# Subjects that point back to an earlier sentence: a question built on them has no referent.
PRONOUNS = {"it", "its", "she", "he", "they", "this", "that", "these", "those", "there", "which", "who"}
SUBORDINATORS = {"if", "when", "unless", "because", "although", "while", "once", "as", "since", "so", "whereas", "where"}
CONJUNCTIONS = {"but", "and", "or", "so", "yet", "then", "also"}
# Words that open a clause which cannot stand without the one before the comma.
LEANING = {"with", "without", "following", "including", "using", "followed", "for", "from", "to", "in", "on", "at", "by", "between"}
DETERMINERS = {"the", "a", "an", "our", "its", "their", "your", "his", "her", "this", "that"}
# Words that end a quantity's noun phrase ("27 days of paid annual leave | per calendar year").
PHRASE_ENDS = {"per", "in", "on", "at", "for", "to", "which", "that", "with", "before", "after", "during", "from", "by", "and", "or", "so", "if", "when", "is", "are"}
NOT_NOUNS = DETERMINERS | PHRASE_ENDS | AUXILIARIES | {"of", "as", "than", "but", "who", "where", "has", "have"}
# A clause ends at punctuation followed by a space (not the comma in "1,450" or the colon in "15:00").
_CLAUSE_END = re.compile(r"[,;:](?=\s)|\(| — | - ")


@dataclass(frozen=True)
class Fact:
    doc_id: str
    title: str
    sentence: str
    span: Span

    @property
    def answers(self) -> list[str]:
        return self.span.answers


@dataclass(frozen=True)
class WhForm:
    """Replace sentence[start:end] with `text` (the region may take in a preposition or determiner)."""

    text: str
    start: int
    end: int


def wh_forms(span: Span, sentence: str) -> tuple[WhForm, WhForm]:
    """(primary, alternative) wh-phrases for the span, each with the region of the sentence it replaces."""
    s, e = span.start, span.end
    before = sentence[:s].split()
    after = sentence[e:].split()
    prev, nxt = (before[-1].lower() if before else ""), (after[0] if after else "")
    number_end = s + len(span.value)
    if span.kind == "quantity":
        if span.unit.lower().replace(" ", "") in {"%", "percent", "percent."}:
            return WhForm("what percentage", s, e), WhForm("what share in per cent", s, e)
        return WhForm("how many", s, number_end), WhForm("what number of", s, number_end)
    if span.kind == "money":
        return WhForm("how much", s, e), WhForm("what amount", s, e)
    if span.kind == "time":
        if prev == "at":
            return WhForm("at what time", _back(sentence, s, 1), e), WhForm("when", _back(sentence, s, 1), e)
        return WhForm("what time", s, e), WhForm("which time", s, e)
    if span.kind == "date":
        noun = "month" if span.text in MONTHS else "day" if span.text.rstrip("s") in WEEKDAYS else "year" if span.text.isdigit() else "date"
        if prev in {"on", "in"} and noun != "day":
            return WhForm(f"{prev} which {noun}", _back(sentence, s, 1), e), WhForm("when", _back(sentence, s, 1), e)
        return WhForm(f"which {noun}", s, e), WhForm(f"what {noun}", s, e)
    if span.kind == "code":
        return _identifier_forms(span, sentence, before)
    if is_person(span, sentence):
        return WhForm("who", s, e), WhForm("which person", s, e)
    if prev in {"in", "at"}:
        return WhForm("where", _back(sentence, s, 1), e), WhForm(f"{prev} which place", _back(sentence, s, 1), e)
    if prev == "the":  # "through the Lantern Buddies programme" -> "through which programme"
        noun_follows = nxt.islower() and nxt.isalpha() and nxt not in NOT_NOUNS
        start = _back(sentence, s, 1)
        return (WhForm("which", start, e), WhForm("what", start, e)) if noun_follows else (WhForm("what", start, e), WhForm("which name", start, e))
    return WhForm("what", s, e), WhForm("which name", s, e)


def _identifier_forms(span: Span, sentence: str, before: list[str]) -> tuple[WhForm, WhForm]:
    """"the prefix RMA-QF" -> "which prefix"; a code with no noun naming it -> "what code"."""
    noun = before[-1].lower() if before else ""
    if noun.isalpha() and noun not in NOT_NOUNS:
        words, determiner = 1, False
        for back in range(2, 5):  # take in the noun phrase back to its determiner ("the server address")
            if len(before) >= back and before[-back].lower() in DETERMINERS:
                words, determiner = back, True
                break
        if not determiner:  # or over the adjectives before the noun ("internal extension")
            while words < 3 and len(before) > words and before[-words - 1].isalpha() and before[-words - 1].islower() \
                    and before[-words - 1] not in NOT_NOUNS:
                words += 1
        phrase = " ".join(before[len(before) - words + (1 if determiner else 0):])
        start = _back(sentence, span.start, words)
        return WhForm(f"which {phrase}", start, span.end), WhForm(f"what {phrase}", start, span.end)
    return WhForm("what code", span.start, span.end), WhForm("which identifier", span.start, span.end)


def _back(sentence: str, start: int, words: int) -> int:
    """The offset `words` words before `start`."""
    head = sentence[:start].rstrip()
    for _ in range(words):
        head = head[: head.rfind(" ") + 1 if " " in head else 0].rstrip() if head else head
    return len(head) + (1 if head else 0)


def in_situ(fact: Fact, wh: WhForm) -> str | None:
    """The sentence's clause with the span replaced where it stands."""
    prefix, suffix = _clause(fact.sentence, wh)
    return _question(f"{prefix} {wh.text} {suffix}")


def fronted(fact: Fact, wh: WhForm) -> str | None:
    """"<wh> <aux> <subject> <rest>?" when the span follows an auxiliary verb; None otherwise."""
    prefix, suffix = _clause(fact.sentence, wh)
    words = prefix.split()
    aux = next((i for i, w in enumerate(words) if w.lower() in AUXILIARIES), None)
    if aux is None or not 1 <= aux <= 8 or words[0].lower() in PRONOUNS | SUBORDINATORS:
        return None
    following = words[aux + 1] if aux + 1 < len(words) else ""
    if words[aux].lower() in POSSESSION and not re.search(r"(ed|en|wn)$", following):
        return None  # "have a probation period of": a main verb, which inverts only with do-support
    if {w.lower() for w in words[aux + 1 :]} & (AUXILIARIES | {"and", "or", "but"}):
        return None  # the span sits in a second, coordinated verb phrase: inverting the first one garbles it
    if wh.text in {"which", "what"} and suffix and suffix.split()[0].islower() and fact.span.kind == "name":
        return None  # "which | garage": the noun would have to move with the wh-word
    moved = wh.text
    if fact.span.kind == "quantity" and not wh.text.startswith("what percentage"):
        # the counted noun moves with "how many": "how many weeks of fully paid parental leave"
        rest = suffix.split()
        n = next((i for i, w in enumerate(rest) if w.lower() in PHRASE_ENDS), len(rest))
        moved, suffix = " ".join([wh.text, *rest[:n]]), " ".join(rest[n:])
    subject = " ".join(words[:aux])
    subject = subject if _keeps_capital(subject) else subject[0].lower() + subject[1:]
    return _question(f"{moved} {words[aux]} {subject} {' '.join(words[aux + 1:])} {suffix}")


def titled(question: str | None, title: str, lead: str) -> str | None:
    """The question preceded by a reference to its document: `According to "Title", ...`."""
    if question is None:
        return None
    return f'{lead} "{title}", {question[0].lower() + question[1:] if not _keeps_capital(question) else question}'


def _keeps_capital(text: str) -> bool:
    """A first word that is a name ("Aurora firmware", "TimeLedger", "HR") keeps its capital."""
    words = text.split()
    first = words[0]
    if first.lower() in DETERMINERS | {"every", "each", "all", "any", "most"}:
        return False
    next_capital = len(words) > 1 and words[1][:1].isupper()
    return (first.isupper() and len(first) > 1) or any(c.isupper() for c in first[1:]) or first == "I" or next_capital


def _clause(sentence: str, wh: WhForm) -> tuple[str, str]:
    """The words of the span's clause before and after the replaced region."""
    prefix, suffix = sentence[: wh.start], sentence[wh.end :]
    cut = _CLAUSE_END.search(suffix)
    suffix = suffix[: cut.start()] if cut else suffix
    prefix = re.split(r"[;:](?=\s)", prefix)[-1]
    if ", " in prefix:  # keep the span's own clause, unless it leans on the one before ("..., which run from", "..., but they")
        tail = _without_conjunction(prefix.rsplit(", ", 1)[1].split())
        if len(tail) >= 2 and tail[0].lower() not in PRONOUNS | SUBORDINATORS | LEANING:
            prefix = " ".join(tail)
    prefix = " ".join(_without_conjunction(prefix.split()))  # "But the team ..." -> "The team ..."
    return prefix.strip(), suffix.strip().rstrip(".!?")


def _without_conjunction(words: list[str]) -> list[str]:
    return words[1:] if words and words[0].lower() in CONJUNCTIONS else words


def _question(text: str) -> str | None:
    words = text.split()
    if len(words) < 4 or words[0].lower() in SUBORDINATORS | (PRONOUNS - {"which", "who", "that", "there"}):
        return None  # a conditional clause cut from its main clause, or "it"/"she" with no referent, asks nothing
    text = " ".join(words)
    if text.count("(") != text.count(")") or text.count('"') % 2:
        return None  # the clause was cut inside a parenthesis or a quotation: half of it asks nothing
    return text[0].upper() + text[1:] + "?"



# (name, split, builder): the order phrasings are tried in; train and eval use different wh-phrases.
TEMPLATES = [
    ("in_situ", "train", lambda f, p, a: in_situ(f, p)),
    ("fronted", "train", lambda f, p, a: fronted(f, p)),
    ("according_to", "train", lambda f, p, a: titled(in_situ(f, p), f.title, "According to")),
    ("according_to_fronted", "train", lambda f, p, a: titled(fronted(f, p), f.title, "According to")),
    ("alt_fronted_in_title", "eval", lambda f, p, a: titled(fronted(f, a), f.title, "In")),
    ("alt_in_situ_in_title", "eval", lambda f, p, a: titled(in_situ(f, a), f.title, "In")),
    ("alt_fronted", "eval", lambda f, p, a: fronted(f, a)),
    ("alt_in_situ", "eval", lambda f, p, a: in_situ(f, a)),
]


def phrasings(fact: Fact) -> dict[str, list[tuple[str, str]]]:
    """Candidate phrasings per split, in template order, as (template name, question)."""
    primary, alternative = wh_forms(fact.span, fact.sentence)
    out: dict[str, list[tuple[str, str]]] = {"train": [], "eval": []}
    for name, split, build in TEMPLATES:
        question = build(fact, primary, alternative)
        if question:
            out[split].append((name, question))
    return out

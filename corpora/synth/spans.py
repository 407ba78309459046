"""Answer spans a question can target: found in a sentence by pattern, typed, and given the
wh-phrases a question about them uses.

Types, in the order overlapping candidates are resolved: times (`08:10`), money (`380 euros`,
`$5`), codes and identifiers (`KX-4471`, `3.8.2`, `extension 4417`), dates (`12 March 2024`,
`March`, `Thursday`, `in 2019`), quantities (a number and the unit word after it: `27 days`) and
capitalised names (`Aino Lehtikuusi`, `TimeLedger`). Anything else a sentence says is left alone:
a span a question cannot point at ("a pro-rated amount") makes a question with no single answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = "January February March April May June July August September October November December".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
CURRENCY_WORDS = r"euros?|dollars?|pounds?|francs?|yen|yuan|rupees?|kronor|krona|kroner|EUR|USD|GBP|CHF"
# Nouns that name the identifier after them: "version 3.8.2", "extension 4417", "room B-114".
IDENTIFIER_NOUNS = {
    "version", "extension", "code", "number", "room", "standard", "address", "prefix", "model", "reference",
    "gate", "platform", "line", "id", "format", "server", "ticket", "phone", "release", "build", "form", "section",
}
# Words that start sentences in capitals without naming anything.
SENTENCE_WORDS = {
    "The", "A", "An", "This", "That", "These", "Those", "It", "Its", "Our", "Your", "Their", "We", "You", "They", "He",
    "She", "I", "Every", "Each", "All", "Any", "Some", "Most", "Many", "No", "If", "When", "While", "In", "On", "At",
    "For", "To", "From", "By", "With", "After", "Before", "During", "Please", "Always", "Never", "Only", "Also", "Ask",
    "Because", "Outside", "Inside", "Once", "As", "Since", "Until", "Unless", "Although", "Do", "Don't", "Use", "Make",
    "New", "Old", "Other", "Both", "Up", "There", "Here", "Lunch", "Welcome", "Most", "Not", "Note", "Then", "So",
}
# Last words of names that are places or organisations, not people (decides "who" vs "what").
THING_HEADS = {
    "Office", "Room", "Station", "Street", "Avenue", "Road", "Fund", "Labs", "Lab", "Programme", "Program", "Kitchen",
    "Hall", "Garage", "Building", "Centre", "Center", "Library", "Park", "Bridge", "Square", "House", "Viewer", "Pro",
    "Plus", "Cloud", "App", "Portal", "Desk", "Team", "Group", "Inc", "Ltd", "GmbH", "Company", "University", "School",
    "Hospital", "Museum", "Airport", "Port", "Lake", "River", "Mountain", "Island", "Bay", "Institute", "Council",
}
UNIT_SYMBOLS = {"GB", "MB", "TB", "KB", "kHz", "Hz", "MHz", "GHz", "V", "W", "kW", "mm", "cm", "km", "kg", "mg", "ml", "°C", "°F", "K"}
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_NAME_WORD = r"(?:[A-ZÀ-Ý][\w'’-]*)"
_NAME = rf"{_NAME_WORD}(?:\s+(?:(?:de|da|das|do|dos|del|van|von|der|la|le|of)\s+)?{_NAME_WORD})*(?:\s+\d+)?"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("time", re.compile(r"\b\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?\b|\b\d{1,2}\s?[ap]\.m\.", re.I)),
    ("money", re.compile(rf"[€$£]\s?{_NUMBER}(?:\s(?:million|billion|thousand))?|\b{_NUMBER}\s(?:million\s|billion\s)?(?:{CURRENCY_WORDS})\b")),
    ("code", re.compile(r"\b(?=[\w.-]*\d)(?=[\w.-]*[A-Za-z])[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)+\b|\b[A-Z]{2,}(?:-[A-Z0-9]+)+\b"
                        r"|\b\d+(?:\.\d+){2,}\b|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+\.(?:com|net|org|io|dev|internal)\b")),
    ("code", re.compile(rf"\b(?:{'|'.join(sorted(IDENTIFIER_NOUNS))})\s(?P<v>\d[\d-]*)\b", re.I)),
    ("date", re.compile(rf"\b\d{{1,2}}\s(?:{'|'.join(MONTHS)})(?:\s\d{{4}})?\b|\b(?:{'|'.join(MONTHS)})\s\d{{1,2}}(?:,\s\d{{4}})?\b"
                        rf"|\b(?:{'|'.join(MONTHS + WEEKDAYS)})s?\b(?!\s[A-Z])|\b(?:in|since|until|from|by)\s(?P<v>(?:1[89]|20)\d\d)\b")),
    ("quantity", re.compile(rf"\b{_NUMBER}(?:-[a-z]+|\s?%|\s(?:per\s?cent|percent)|\s[a-zA-Z]+)")),
    ("name", re.compile(rf"\b{_NAME}\b")),
]
_STOP_UNITS = {
    "to", "and", "or", "of", "in", "on", "at", "by", "for", "the", "a", "an", "is", "are", "was", "were", "with", "from",
    "per", "times", "x", "which", "that", "than", "as", "more", "less", "after", "before", "minus", "plus",
}


@dataclass(frozen=True)
class Span:
    kind: str  # time, money, code, date, quantity, name
    text: str  # as it stands in the sentence
    start: int
    end: int
    value: str  # what the question asks for: the number of a quantity, else the text
    unit: str = ""  # a quantity's unit word ("days"); the rest of the sentence keeps it

    @property
    def answers(self) -> list[str]:
        """Accepted answers, the first the one trained on. A quantity's is its number: the word after
        it may be an adjective ("12 working days"), so "12 working" would be a wrong alias."""
        return [self.value]


def find_spans(sentence: str) -> list[Span]:
    """Non-overlapping candidate spans of a sentence, by type priority then position."""
    taken: list[Span] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            span = _typed(kind, m, sentence)
            if span and not any(span.start < t.end and t.start < span.end for t in taken):
                taken.append(span)
    return sorted(taken, key=lambda s: s.start)


def _typed(kind: str, m: re.Match, sentence: str) -> Span | None:
    group = "v" if m.groupdict().get("v") else 0  # a pattern's context words are not part of the span
    text, start, end = m.group(group), m.start(group), m.end(group)
    if kind == "quantity":
        number = re.match(_NUMBER, text).group(0)
        unit = text[len(number):].strip(" -")
        if unit.lower() in _STOP_UNITS or (unit[:1].isupper() and unit not in UNIT_SYMBOLS):
            return None  # "190 to 1100", "Corvid 14 Pro": not a count of something
        return Span(kind, text, start, end, number, unit)
    if kind == "name":
        return _name_span(text, start, sentence)
    return Span(kind, text, start, end, text)


def _name_span(text: str, start: int, sentence: str) -> Span | None:
    words = text.split()
    # a capital at the start of the sentence is grammar, not a name ("The Tidewell" -> "Tidewell")
    while words and (words[0] in SENTENCE_WORDS or (start == 0 and len(words) == 1 and not _camel(words[0]))):
        start += len(words[0]) + 1
        words = words[1:]
        while start < len(sentence) and sentence[start] == " ":
            start += 1
    if not words or words[0] in MONTHS + WEEKDAYS or len(words[0]) < 3 and not words[0].isupper():
        return None
    text = sentence[start:].split("\n")[0]
    text = " ".join(text.split()[: len(words)])
    text = text.rstrip(".,;:!?")
    if re.search(r"-[a-z]", text):
        return None  # "UV-visible": a compound adjective, not a name
    if text.isupper() and len(text) <= 3:
        return None  # HR, IT, VPN: an acronym used as a common noun, not something a question asks for
    return Span("name", text, start, start + len(text), text)


def _camel(word: str) -> bool:
    return any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)


def is_person(span: Span, sentence: str) -> bool:
    """Two or three capitalised words, not a place or organisation, not after `the`: a person."""
    words = span.text.split()
    before = sentence[: span.start].split()[-1:] or [""]
    return (
        span.kind == "name" and 2 <= len(words) <= 3 and all(w.isalpha() and w[0].isupper() and not _camel(w) for w in words)
        and words[-1] not in THING_HEADS and before[0].lower() not in {"the", "in", "at", "to", "from", "near"}
    )

"""Human-written reading-comprehension questions on passages outside the corpus (`raft.reading_set`):
what teaches the RAFT reader to read questions people write, when the corpus's own train questions
were synthesized from its sentences.

A reader trained only on synthesized questions (each copies a sentence of its gold passage) learns
to match the question's words to the passage and to abstain when they do not match; human questions
paraphrase, so it abstained on them (docs/finetuning.md, "The reader trained to read"). A public set
of questions people wrote about other passages (SQuAD, v1.1 or 2.0 format) is the usual cure: a file
of the user's, or the bundled practice (`bundled:squad_practice`, which `auto` reads for a synthesized
train split), sampled one question per paragraph; nothing is downloaded.

Each question becomes one RAFT example: the passage is the run of whole sentences around the answer
up to the index's chunk size (what the reader is shown at inference), among distractor passages of
other articles; SQuAD 2.0's unanswerable questions (near misses written to look answerable) show
the passage around their plausible answer and are taught the abstention phrase. A question whose
accepted answer is an accepted answer of the corpus's eval questions, or whose passage is text of the
corpus's documents, is left out, so the set cannot teach an eval answer by heart.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

from core.bundled import BUNDLED_PREFIX, reading_set_path
from core.config_raft import AUTO
from core.corpus import UNANSWERABLE, Question
from core.origin import train_questions_synthesized
from core.errors import InputError
from core.prompt import Passage
from core.text import contains_phrase, normalize, split_sentences

READING_SOURCE = "raft_reading"


@dataclass(frozen=True)
class ReadingItem:
    question: Question  # answerable: the accepted answers; unanswerable: the abstention phrase
    passage: Passage  # the sentences around the (plausible) answer
    article: str  # distractors come from other articles


@dataclass(frozen=True)
class ReadingSet:
    items: list[ReadingItem]
    file: str  # the file's name and content hash, for the training record
    sha256: str


@dataclass(frozen=True)
class Exclusions:
    """What the reading set must not teach: the corpus's eval answers (normalized) and its documents' text."""

    answers: set[str]
    documents: list[str]  # normalized

    def excludes(self, answers: list[str], passage: str) -> bool:
        text = normalize(passage)
        return any(normalize(a) in self.answers for a in answers) or any(text in d for d in self.documents)


def load_reading_set(
    path: str | Path, *, limit: int, unanswerable_share: float, words: int, abstention: str, exclude: Exclusions, seed: int
) -> ReadingSet:
    """At most `limit` questions of the SQuAD-format file at `path`, one per paragraph, chosen with `seed`,
    a share `unanswerable_share` of them unanswerable (when the file has such); raises InputError naming
    the file when it is not SQuAD."""
    path = reading_set_path(path)
    articles, sha256 = _squad_articles(path)
    candidates = []
    for a_index, article in enumerate(articles):
        title = str(article.get("title", f"article {a_index + 1}")).replace("_", " ")
        for p_index, paragraph in enumerate(article.get("paragraphs", [])):
            candidates.append((title, f"{a_index}-{p_index}", paragraph))
    rng = random.Random(seed)
    rng.shuffle(candidates)
    items = []
    for title, key, paragraph in candidates:
        if len(items) == limit:
            break
        impossible = rng.random() < unanswerable_share
        qas = [qa for qa in paragraph.get("qas", []) if bool(qa.get("is_impossible", False)) == impossible]
        rng.shuffle(qas)
        item = next((it for qa in qas if (it := _item(title, key, paragraph["context"], qa, words, abstention, exclude))), None)
        if item:
            items.append(item)
    return ReadingSet(items, Path(path).name, sha256)


BUNDLED_PRACTICE = f"{BUNDLED_PREFIX}squad_practice"


def chosen_reading_set(setting: str | None, origin: dict) -> str | None:
    """What `raft.reading_set` reads for a corpus of this questions origin: `auto` is the bundled
    practice when its train questions were synthesized (they copy sentences: the reader needs
    questions people wrote) and none for hand-written ones; anything else as set."""
    if setting == AUTO:
        return BUNDLED_PRACTICE if train_questions_synthesized(origin) else None
    return setting


def check_reading_set(path: str | Path) -> None:
    """The file parses as SQuAD (checked before any model loads); `auto` checks the bundled practice."""
    _squad_articles(reading_set_path(BUNDLED_PRACTICE if path == AUTO else path))


def _squad_articles(path: Path) -> tuple[list[dict], str]:
    """The file's articles and the sha256 of its bytes (read once)."""
    if not path.is_file():
        raise InputError(f"raft.reading_set: {path} is not a file")
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))["data"]
        if not all(isinstance(p["context"], str) and isinstance(p["qas"], list) for a in data for p in a["paragraphs"]):
            raise TypeError("a paragraph's context or qas has the wrong type")
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise InputError(f"raft.reading_set: {path} is not a SQuAD-format file ({type(e).__name__}: {e})") from None
    if not data:
        raise InputError(f"raft.reading_set: {path} holds no articles")
    return data, hashlib.sha256(raw).hexdigest()


def _item(title: str, key: str, context: str, qa: dict, words: int, abstention: str, exclude: Exclusions) -> ReadingItem | None:
    """The example for one SQuAD question; None when it is excluded or its passage cannot hold its answer."""
    question = str(qa.get("question", "")).strip()
    impossible = bool(qa.get("is_impossible", False))
    spans = qa.get("plausible_answers" if impossible else "answers") or []
    answers = list(dict.fromkeys(str(s["text"]).strip() for s in spans if str(s.get("text", "")).strip()))
    if not question or (not impossible and not answers):
        return None
    start = int(spans[0].get("answer_start", 0)) if spans else 0
    passage = sentences_around(context, start, words)
    if exclude.excludes([] if impossible else answers, passage):
        return None
    if not impossible and not any(contains_phrase(passage, a) for a in answers):
        return None  # the answer runs past the sentences that fit
    q = Question(
        id=f"reading-{key}-{qa.get('id', question)}", question=question, answers=[abstention] if impossible else answers,
        doc_ids=[] if impossible else [f"reading-{key}"], split="train", kind=UNANSWERABLE if impossible else "fact",
    )
    return ReadingItem(q, Passage(f"reading-{key}#0", f"reading-{key}", title, passage), title)


def sentences_around(context: str, char_index: int, words: int) -> str:
    """The sentence of `context` holding `char_index`, grown by whole neighbouring sentences (after it
    first, as chunks run forward) while the passage stays within `words` words."""
    sentences = [s for s in split_sentences(" ".join(context.split())) if s.strip()]
    if not sentences:
        return ""
    # the position in the whitespace-normalized text: count the words before char_index
    word_index = len(context[:char_index].split())
    counts = [len(s.split()) for s in sentences]
    centre, seen = len(sentences) - 1, 0
    for i, n in enumerate(counts):
        if word_index < seen + n:
            centre = i
            break
        seen += n
    lo = hi = centre
    size = counts[centre]
    while True:
        grown = False
        for step in (hi + 1, lo - 1):
            if 0 <= step < len(sentences) and size + counts[step] <= words:
                size += counts[step]
                lo, hi = min(lo, step), max(hi, step)
                grown = True
        if not grown:
            break
    return " ".join(sentences[lo : hi + 1])

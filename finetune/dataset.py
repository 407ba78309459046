"""Build the fine-tuning set from the corpus, and guard it against eval leaks.

Three switchable sources (see `FinetuneConfig`):

- documents as plain causal-LM text, plus copies with their sentences shuffled: the same facts in
  other contexts, which is what makes them recallable rather than memorised as one string;
- question/answer pairs from the *train* split, rendered with the same prompt the `base`/`lora`
  arms use at inference, with the loss on the answer tokens only;
- `paraphrases_per_fact`: how many of each fact's train phrasings are used (the corpus supplies
  them; no LLM is called). Seeing a fact in several phrasings is what lets the model answer a
  phrasing it has never seen.

Eval-split question text must never reach the training set: `check_no_leak` stops the build and
names the leaking question ids.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field

from core.corpus import Corpus, Question
from core.errors import InputError
from core.generate import render
from core.prompt import build_prompt
from core.style import HouseStyle
from core.text import normalize, split_sentences

IGNORE = -100  # label value the loss skips (prompt tokens, padding)


@dataclass
class Example:
    source: str  # "document" | "document_shuffled" | "qa"
    source_id: str  # document id or question id
    text: str  # everything the model reads, for the leak guard
    input_ids: list[int]
    labels: list[int]


@dataclass
class TrainingSet:
    examples: list[Example]
    stats: dict = field(default_factory=dict)

    def content_hash(self) -> str:
        """Identifies the exact token sequences trained on (for reusing a cached adapter)."""
        h = hashlib.sha256()
        for ex in self.examples:
            h.update(json.dumps([ex.input_ids, ex.labels]).encode())
        return h.hexdigest()[:16]


def select_paraphrases(questions: list[Question], per_fact: int | None) -> list[Question]:
    """The first `per_fact` train phrasings of each fact (all when None), in corpus order."""
    seen: dict[str, int] = defaultdict(int)
    chosen = []
    for q in questions:
        key = q.fact_id or q.id
        if per_fact is None or seen[key] < per_fact:
            chosen.append(q)
            seen[key] += 1
    return chosen


def qa_example(tokenizer, q: Question, style: HouseStyle, title: str | None) -> Example:
    """The inference prompt for `q` followed by its first accepted answer in the house style (citing
    `title`, the gold document's; an abstention stays as it is); loss on the answer only."""
    answer = style.render(q.answers[0], title) if q.answerable else q.answers[0]
    return prompt_answer_example(tokenizer, "qa", q, build_prompt(q.question, style=style), answer)


def prompt_answer_example(tokenizer, source: str, q: Question, messages: list[dict[str, str]], answer: str) -> Example:
    """Chat `messages` as the arms render them, then `answer` and EOS; the loss on the answer only."""
    prompt = render(tokenizer, messages)
    prompt_ids = tokenizer(prompt, add_special_tokens=False).input_ids
    answer_ids = tokenizer(answer, add_special_tokens=False).input_ids + [tokenizer.eos_token_id]
    return Example(source, q.id, prompt + answer, prompt_ids + answer_ids, [IGNORE] * len(prompt_ids) + answer_ids)


def document_examples(tokenizer, doc_id: str, text: str, source: str, max_length: int) -> list[Example]:
    """A document as plain text, split into windows of at most max_length tokens."""
    ids = tokenizer(text, add_special_tokens=False).input_ids + [tokenizer.eos_token_id]
    return [
        Example(source, doc_id, text, ids[i : i + max_length], ids[i : i + max_length])
        for i in range(0, len(ids), max_length)
    ]


def shuffled_sentences(text: str, rng: random.Random) -> str:
    sentences = split_sentences(" ".join(text.split()))
    rng.shuffle(sentences)
    return " ".join(sentences)


def has_training_data(corpus: Corpus, cfg) -> bool:
    """Whether the configured sources find anything to train on in `corpus` (documents, or train questions)."""
    return bool((cfg.use_documents and corpus.documents) or (cfg.use_qa and corpus.split("train")))


def build_training_set(corpus: Corpus, tokenizer, cfg, *, seed: int, titles_from: Corpus | None = None) -> TrainingSet:
    """Training examples from the configured sources; raises InputError on an eval leak or if empty.
    Gold documents' titles (for the house style) come from `titles_from`, by default `corpus`."""
    rng = random.Random(seed)
    examples = corpus_document_examples(corpus, tokenizer, cfg, rng) if cfg.use_documents else []
    if cfg.use_qa:
        docs = (titles_from or corpus).by_doc_id()
        for q in select_paraphrases(corpus.split("train"), cfg.paraphrases_per_fact):
            examples.append(qa_example(tokenizer, q, corpus.style, docs[q.doc_ids[0]].title if q.doc_ids else None))
    if not examples:
        raise InputError("finetune: the training set is empty (enable use_documents or use_qa, or add train questions)")
    return finished_set(examples, corpus, rng)


def corpus_document_examples(corpus: Corpus, tokenizer, cfg, rng: random.Random) -> list[Example]:
    """Every document as plain text, plus `cfg.document_shuffles` copies with its sentences shuffled."""
    examples: list[Example] = []
    for doc in corpus.documents:
        examples += document_examples(tokenizer, doc.id, f"{doc.title}\n{doc.text}", "document", cfg.max_length)
        for _ in range(cfg.document_shuffles):
            text = f"{doc.title}\n{shuffled_sentences(doc.text, rng)}"
            examples += document_examples(tokenizer, doc.id, text, "document_shuffled", cfg.max_length)
    return examples


def finished_set(examples: list[Example], corpus: Corpus, rng: random.Random, stats: dict | None = None) -> TrainingSet:
    """The examples checked for eval leaks and shuffled, with their counts (and `stats` beside them)."""
    check_no_leak(examples, corpus.split("eval"))
    rng.shuffle(examples)
    return TrainingSet(examples, {**_stats(examples), **(stats or {})})


def check_no_leak(examples: list[Example], eval_questions: list[Question]) -> None:
    """Stop if any eval-split question (normalized) occurs in any training text."""
    texts = [f" {normalize(ex.text)} " for ex in examples]
    leaks = [q.id for q in eval_questions if any(f" {normalize(q.question)} " in t for t in texts)]
    if leaks:
        shown = ", ".join(leaks[:10]) + (f" and {len(leaks) - 10} more" if len(leaks) > 10 else "")
        raise InputError(f"eval questions leak into the training set: {shown}; remove them from the training sources")


def _stats(examples: list[Example]) -> dict:
    by_source: dict[str, dict[str, int]] = defaultdict(lambda: {"examples": 0, "tokens": 0})
    for ex in examples:
        by_source[ex.source]["examples"] += 1
        by_source[ex.source]["tokens"] += len(ex.input_ids)
    return {
        "examples": len(examples),
        "tokens": sum(len(ex.input_ids) for ex in examples),
        "trained_tokens": sum(sum(1 for label in ex.labels if label != IGNORE) for ex in examples),
        "by_source": dict(by_source),
    }

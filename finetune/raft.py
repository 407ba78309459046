"""The retrieval-augmented training set (RAFT: Zhang et al., 2024, "Adapting Language Model to
Domain Specific RAG"): each train question in the very prompt the `raft` arm reads at inference
(numbered passages, then the question), so the adapter learns to read a passage rather than to
store the answer.

- For a share `p_gold` of the answerable questions the gold passage (a chunk of a gold document
  that holds the answer) is among the distractors, at a random place; the answer, in the house
  style, cites it.
- For the rest only distractors are shown (chunks retrieved for the question from other
  documents); they are taught the abstention phrase (`abstain_without_gold`), or the right answer,
  which the model then has to recall from its weights. With `paired` they are extra copies of
  questions also shown with their gold passage: the same question with and without the answer in
  the prompt, so the abstention is learned from the passage, not from the question.
- Unanswerable train questions read what retrieval returns for them and are taught to abstain.
- With `raft.reading_set`, human-written questions on passages outside the corpus are mixed in
  (finetune/reading.py): the corpus's synthesized questions copy their sentences, people's do not.

Retrieval lives in `rag`, which this package never imports: the caller hands in a `PassageLookup`
over its index (eval/assembly.py). The same leak guard as the closed-book set applies.
"""

from __future__ import annotations

import random
from typing import Protocol

from core.corpus import Corpus, Question
from core.errors import InputError
from core.prompt import Passage, build_prompt
from core.text import contains_phrase
from finetune.dataset import Example, TrainingSet, corpus_document_examples, finished_set, prompt_answer_example, select_paraphrases
from finetune.reading import READING_SOURCE, ReadingItem

# Passages retrieved beyond k when looking for distractors: the gold document's own chunks (never
# distractors) can take several of the top places.
DISTRACTOR_DEPTH = 8
WITH_GOLD, WITHOUT_GOLD, UNANSWERABLE_SOURCE = "raft_gold", "raft_distractors", "raft_unanswerable"


class PassageLookup(Protocol):
    """What the builder needs from an index: ranked passages for questions, and a document's chunks."""

    def ranked(self, questions: list[Question], depth: int) -> list[list[Passage]]: ...

    def chunks_of(self, doc_id: str) -> list[Passage]: ...


def gold_passage(q: Question, retrieved: list[Passage], lookup: PassageLookup) -> Passage | None:
    """The passage that answers `q`: a chunk of a gold document holding an accepted answer, the
    best-ranked such chunk when retrieval found one; None when no chunk holds the answer whole
    (a chunk boundary cut through it), so no example teaches reading what is not there."""
    candidates = [p for p in retrieved if p.doc_id in q.doc_ids]
    candidates += [p for d in q.doc_ids for p in lookup.chunks_of(d)]
    return next((p for p in candidates if any(contains_phrase(p.text, a) for a in q.answers)), None)


def with_gold_at_random_place(gold: Passage, distractors: list[Passage], k: int, rng: random.Random) -> list[Passage]:
    passages = distractors[: k - 1]
    passages.insert(rng.randrange(len(passages) + 1), gold)
    return passages


def question_examples(
    q: Question, retrieved: list[Passage], lookup: PassageLookup, raft_cfg, style, fallback_title: str | None, k: int, rng: random.Random
) -> list[tuple[str, list[Passage], str]] | None:
    """(source, passages, answer) of each example train question `q` makes; None when no chunk holds its answer."""
    if not q.answerable:
        return [(UNANSWERABLE_SOURCE, retrieved[:k], q.answers[0])]
    if (gold := gold_passage(q, retrieved, lookup)) is None:
        return None
    distractors = [p for p in retrieved if p.doc_id not in q.doc_ids]
    with_gold = rng.random() < raft_cfg.p_gold
    made = []
    if with_gold or raft_cfg.paired:
        made.append((WITH_GOLD, with_gold_at_random_place(gold, distractors, k, rng), style.render(q.answers[0], gold.title)))
    if not with_gold:
        answer = style.abstention if raft_cfg.abstain_without_gold else style.render(q.answers[0], fallback_title)
        made.append((WITHOUT_GOLD, distractors[:k], answer))
    return made


def reading_examples(tokenizer, reading: list[ReadingItem], style, k: int, rng: random.Random) -> list[Example]:
    """One example per reading question: its passage at a random place among k - 1 passages of other
    articles, taught the answer in the house style (citing the article) or, unanswerable, the abstention."""
    examples = []
    for item in reading:
        others = [r.passage for r in reading if r.article != item.article]
        distractors = rng.sample(others, min(k - 1, len(others)))
        passages = with_gold_at_random_place(item.passage, distractors, k, rng)
        q = item.question
        answer = style.render(q.answers[0], item.article) if q.answerable else q.answers[0]
        examples.append(prompt_answer_example(tokenizer, READING_SOURCE, q, build_prompt(q.question, passages, style), answer))
    return examples


def build_raft_set(
    corpus: Corpus, tokenizer, finetune_cfg, raft_cfg, lookup: PassageLookup, *, k: int, seed: int, reading: list[ReadingItem] = ()
) -> TrainingSet:
    """The RAFT training set of the corpus's train split (and its documents when raft.use_documents,
    and the `reading` questions); raises InputError on an eval leak or when there is nothing to train on."""
    rng = random.Random(seed)
    examples = corpus_document_examples(corpus, tokenizer, finetune_cfg, rng) if raft_cfg.use_documents else []
    questions = select_paraphrases(corpus.split("train"), finetune_cfg.paraphrases_per_fact)
    titles = corpus.by_doc_id()
    counts = {WITH_GOLD: 0, WITHOUT_GOLD: 0, UNANSWERABLE_SOURCE: 0, "no_gold_chunk": 0}
    for q, retrieved in zip(questions, lookup.ranked(questions, k + DISTRACTOR_DEPTH) if questions else []):
        title = titles[q.doc_ids[0]].title if q.doc_ids else None
        made = question_examples(q, retrieved, lookup, raft_cfg, corpus.style, title, k, rng)
        if made is None:
            counts["no_gold_chunk"] += 1
        for source, passages, answer in made or []:
            counts[source] += 1
            examples.append(prompt_answer_example(tokenizer, source, q, build_prompt(q.question, passages, corpus.style), answer))
    examples += reading_examples(tokenizer, list(reading), corpus.style, k, rng)
    counts[READING_SOURCE] = len(reading)
    if not examples:
        raise InputError("raft: the training set is empty (the corpus has no train questions whose gold passage holds the answer)")
    return finished_set(examples, corpus, rng, {"raft": {**counts, "passages": k}})

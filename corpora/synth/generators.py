"""Who writes the phrasings of a fact: the offline `rules` templates, or an instruct model.

A generator takes facts (a sentence and its answer span, found by corpora/synth/facts.py) and
returns candidate phrasings per split, best first; the filters (corpora/synth/filters.py) then
decide what is kept, the same way for every generator. `synth.generator` names a registered
generator or, failing that, a Hugging Face instruct model id or local path (loaded like
`model.name`): the model is asked for several questions per fact, the first kept for training
and the rest for evaluation.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

from corpora.synth.templates import Fact, phrasings

log = logging.getLogger(__name__)
Candidates = dict[str, list[tuple[str, str]]]  # split -> [(template or source, question)], best first


class Generator(Protocol):
    name: str

    def candidates(self, facts: list[Fact]) -> list[Candidates]: ...


class RulesGenerator:
    """Templates by span type (corpora/synth/templates.py): offline, deterministic, seconds on any CPU."""

    name = "rules"

    def __init__(self, settings, model_settings):
        pass

    def candidates(self, facts: list[Fact]) -> list[Candidates]:
        return [phrasings(f) for f in facts]


class ModelGenerator:
    """An instruct model writes the questions; greedy decoding, so the same model gives the same set."""

    def __init__(self, settings, model_settings):
        from core.models import load_lm

        self.name = settings.generator
        self.settings = settings
        self.batch_size = model_settings.batch_size
        self.lm = load_lm(settings.generator, model_settings.device, model_settings.dtype, key="synth.generator")

    def candidates(self, facts: list[Fact]) -> list[Candidates]:
        from core.generate import generate

        n_train, n_eval = self.settings.train_phrasings, self.settings.eval_phrasings
        prompts = [question_prompt(f, n_train + n_eval + 2) for f in facts]
        log.info("asking %s for questions about %d facts", self.name, len(facts))
        outputs = generate(self.lm, prompts, batch_size=self.batch_size, max_new_tokens=self.settings.max_new_tokens)
        result = []
        for out in outputs:
            questions = parse_questions(out.text)
            result.append({
                "train": [("model", q) for q in questions[:n_train]],
                "eval": [("model", q) for q in questions[n_train:]],
            })
        return result


def question_prompt(fact: Fact, n: int) -> list[dict[str, str]]:
    """Chat messages asking for n questions that the sentence answers with the span."""
    answer = fact.answers[0]
    return [
        {"role": "system", "content": "You write clear, self-contained quiz questions about a text."},
        {"role": "user", "content": (
            f'Document: {fact.title}\nText: {fact.sentence}\nAnswer: {answer}\n\n'
            f'Write {n} differently worded questions whose answer is "{answer}", according to the text. '
            "Do not put the answer in the questions. Write one question per line and nothing else."
        )},
    ]


_BULLET = re.compile(r"^\s*(?:\d+[.)]|[-*•]|Q\d*[:.])\s*")


def parse_questions(text: str) -> list[str]:
    """One question per line: list markers and quotes stripped, lines that are not questions dropped."""
    questions = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip().strip('"“”').strip()
        if line.endswith("?") and line not in questions:
            questions.append(line)
    return questions


GENERATORS: dict[str, type] = {"rules": RulesGenerator}


def check_generator(settings) -> None:
    """The InputError a generator name would raise when loaded, said before any work (a path that is not there)."""
    if settings.generator not in GENERATORS:
        from core.models import check_lm_name

        check_lm_name(settings.generator, "synth.generator")


def make_generator(settings, model_settings) -> Generator:
    """The registered generator of that name, else an instruct model loaded from that id or path."""
    return GENERATORS.get(settings.generator, ModelGenerator)(settings, model_settings)

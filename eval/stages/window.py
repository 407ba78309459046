"""Whether an arm's prompts fit the model's window: an arm that puts the whole corpus in every
prompt is run only when its longest prompt plus the longest answer fits; otherwise it is not run,
and the run records both token counts (the report and the advice say "does not fit"), never an
error or a truncated prompt."""

from __future__ import annotations

from core.answerer import PromptAnswerer
from core.corpus import Question
from core.generate import prompt_ids, window


def does_not_fit(answerer: PromptAnswerer, questions: list[Question]) -> dict | None:
    """None when every question's prompt and `max_new_tokens` fit the model's window (or the model
    states none); else {prompt_tokens, answer_tokens, window, corpus_documents} for the longest prompt."""
    limit = window(answerer.lm)
    if limit is None or not questions:
        return None
    room = answerer.max_new_tokens
    prompts = answerer.prompts(questions)
    # prompts differ only by their question: the longest in characters says first whether the corpus alone overflows
    longest = max(range(len(prompts)), key=lambda i: len(questions[i].question))
    lengths = [len(prompt_ids(answerer.lm.tokenizer, prompts[longest]))]
    if lengths[0] + room <= limit:
        lengths = [len(prompt_ids(answerer.lm.tokenizer, p)) for p in prompts]
    if max(lengths) + room <= limit:
        return None
    return {"prompt_tokens": max(lengths), "answer_tokens": room, "window": limit, "corpus_documents": len(answerer.corpus.documents)}

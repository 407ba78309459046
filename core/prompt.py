"""The one prompt builder every arm uses: numbered passages, then the question.

`base` is this builder with zero passages, `rag` with retrieved chunks, `oracle` with the gold
documents, so any difference between arms comes from what is in the prompt, not how it is laid out.
A 135M model reads context poorly when passages compete, so the wording is deliberately plain:
the instruction comes right before the question, where a small model attends most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation: core.answerer imports this module
    from core.answerer import Passage

SYSTEM_PROMPT = "You are a helpful assistant that answers questions about the company's internal documents."
ANSWER_INSTRUCTION = "Answer in one short sentence."


def build_prompt(question: str, passages: list["Passage"] = ()) -> list[dict[str, str]]:
    """Chat messages for one question; passages are numbered [1], [2], ... in retrieval order."""
    parts = []
    if passages:
        numbered = "\n\n".join(f"[{i}] {p.title}\n{p.text}" for i, p in enumerate(passages, start=1))
        parts.append(f"Passages:\n{numbered}")
        parts.append(f"Using the passages above, answer the question. {ANSWER_INSTRUCTION}")
    else:
        parts.append(ANSWER_INSTRUCTION)
    parts.append(f"Question: {question}")
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n\n".join(parts)}]

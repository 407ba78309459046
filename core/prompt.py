"""The one prompt builder every arm uses: numbered passages, then the question.

`base` and `lora` are this builder with zero passages, `rag` and `hybrid` with retrieved chunks,
`oracle` with the gold documents, so any difference between arms comes from what is in the
prompt, not how it is laid out. A 135M model reads context poorly when passages compete, so the
layout is the one that measured best on the bundled corpus (see README, "Prompt format"): context
first, then the question, then the instruction, where a small model attends most.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.style import HouseStyle

SYSTEM_PROMPT = "You are a helpful assistant that answers questions about the company's internal documents."
CONTEXT_INSTRUCTION = "Answer the question using only the context above."
NO_CONTEXT_INSTRUCTION = "Answer the question in one short sentence."
ABSTENTION_RULE = 'When the answer is not known, say "{abstention}".'
NO_STYLE = HouseStyle()


@dataclass(frozen=True)
class Passage:
    """One passage a prompt shows: a retrieved chunk, or a whole gold document for the oracle."""

    chunk_id: str
    doc_id: str
    title: str
    text: str
    score: float | None = None


def build_prompt(question: str, passages: list[Passage] = (), style: HouseStyle = NO_STYLE) -> list[dict[str, str]]:
    """Chat messages for one question; passages are numbered 1, 2, ... in the order given.

    The title sits inline with its passage: on a line of its own, the 135M model often answered
    with the bracketed title instead of the fact. The house conventions (abstention phrase, answer
    style) go in the system message, the words the fine-tune is trained under too: after the
    question, the 135M reader's accuracy on the bundled corpus fell from 40% to 18% (README,
    "Prompt format and top-k"); in the system message it stayed at 38%.
    """
    system = " ".join(filter(None, [SYSTEM_PROMPT, style.instruction, ABSTENTION_RULE.format(abstention=style.abstention)]))
    if passages:
        numbered = "\n\n".join(f"Passage {i} ({p.title}): {p.text}" for i, p in enumerate(passages, start=1))
        user = f"Context:\n{numbered}\n\nQuestion: {question}\n{CONTEXT_INSTRUCTION}"
    else:
        user = f"Question: {question}\n{NO_CONTEXT_INSTRUCTION}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]

"""The `raft` section: how the retrieval-augmented fine-tune (the `raft` arm, finetune/raft.py) builds
its training set. Its optimiser settings are the `finetune` section's, so `lora` and `raft` differ
only in what they read while training."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from core.bundled import BUNDLED_PREFIX
from core.config_section import Section

AUTO = "auto"  # raft.reading_set: the bundled practice where the train questions were synthesized


class RaftConfig(Section):
    """The RAFT training set (Zhang et al., 2024): train questions with retrieved passages in the prompt.

    The defaults are the measured choice on the bundled corpus (docs/finetuning.md, "The reader trained
    to read"): one pass continuing the closed-book adapter, 90% of the questions shown their gold
    passage, the other 10% also shown without it and taught to abstain. Where the corpus's train
    questions were synthesized (they copy their sentences) it also reads the bundled practice: human
    questions on SQuAD train articles (`reading_set: auto`, measured on the public corpus)."""

    p_gold: float = Field(
        0.9, ge=0, le=1,
        description="Share of the answerable train questions whose prompt holds the gold passage among the distractors; "
        "the rest see distractors only (then `abstain_without_gold` says what they are taught to answer).",
    )
    paired: bool = Field(
        True,
        description="The distractor-only examples are extra copies of questions also shown with their gold passage (the same "
        "question once with the answer in the prompt, once without), instead of replacing them: the contrast teaches when "
        "to abstain, not which questions to abstain on.",
    )
    passages: int | None = Field(
        None, ge=1,
        description="Passages in each training prompt, and read by the `raft` arm at inference (default: rag.top_k).",
    )
    abstain_without_gold: bool = Field(
        True,
        description="A prompt without the gold passage is taught the abstention phrase (the reader learns to say it "
        "when the passages do not answer); off: the right answer, recalled from the weights.",
    )
    use_documents: bool = Field(
        False, description="Also train on the documents as plain text, as the `finetune` section's documents source does."
    )
    epochs: float | None = Field(
        1.0, gt=0, description="Passes over the RAFT set (null: finetune.epochs); one pass after the closed-book adapter."
    )
    from_closed_book: bool = Field(
        True,
        description="Start from the closed-book `lora` adapter (which already holds the facts and the house style) "
        "instead of the base model: the RAFT passes then only teach reading, and cost only their own training.",
    )
    reading_set: str | None = Field(
        AUTO,
        description="A SQuAD-format JSON file (v1.1 or 2.0) of human-written questions on passages outside the corpus, "
        "or `bundled:squad_practice` (694 paragraphs of 10 SQuAD 2.0 train articles, disjoint from the public corpus), "
        "or `auto` (the default): the bundled practice when the corpus's train questions were synthesized (questions_origin), "
        "none for hand-written ones, where the measured default reads without it (null: never); "
        "mixed into the RAFT set (finetune/reading.py): synthesized train questions copy their sentences, so a reader "
        "trained on them alone abstains on questions people write. Nothing is downloaded.",
    )
    reading_examples: int = Field(
        600, ge=1, le=100_000, description="Questions taken from `reading_set`, one per paragraph, sampled with run.seed."
    )
    reading_unanswerable: float = Field(
        0.0, ge=0, le=1,
        description="Share of the `reading_set` questions that are unanswerable (SQuAD 2.0's near misses), shown the "
        "passage they seem to be about and taught the abstention phrase. Off by default: on the public corpus a 135M "
        "reader taught them abstained on answerable questions too (docs/finetuning.md).",
    )

    @field_validator("reading_set")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        """Recorded absolute, so a run's config.yaml names the file from any working directory (a bundled
        one by its name, which resolves in any install)."""
        if not value or value == AUTO or value.startswith(BUNDLED_PREFIX):
            return value
        return str(Path(value).expanduser().absolute())

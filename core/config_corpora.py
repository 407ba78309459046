"""The config sections of the commands that make corpora rather than measure them: `ragvsft synth`,
`ragvsft kb` and `ragvsft scale` (ExperimentConfig in core/config.py holds them with the rest)."""

from __future__ import annotations

from pydantic import Field, field_validator

from core.config_section import Section, Seed


class SynthConfig(Section):
    """`ragvsft synth`: questions, an update round, deletions and controls written from the documents."""

    generator: str = Field(
        "rules",
        description="`rules` (offline templates by answer type; the registry in corpora/synth/generators.py) or a "
        "Hugging Face instruct model id or local path that writes the phrasings.",
    )
    facts_per_document: int = Field(4, ge=1, description="Facts (answer spans) taken from each document at most.")
    train_phrasings: int = Field(3, ge=1, description="Phrasings per fact in the train split at most.")
    eval_phrasings: int = Field(2, ge=1, description="Phrasings per fact in the eval split at most.")
    max_overlap: float = Field(
        0.8, gt=0, le=1,
        description="An eval phrasing whose word-set Jaccard overlap with a train phrasing of its fact reaches this is dropped.",
    )
    changed_facts: int = Field(8, ge=0, description="Facts the counterfactual update round changes (0: no round).")
    deleted_documents: int = Field(2, ge=0, description="Documents the deletions remove (0: none).")
    unanswerable_topics: int = Field(12, ge=0, description="Unanswerable topics per split (each in that split's phrasings).")
    max_new_tokens: int = Field(160, ge=16, description="Model generator: tokens per answer (all of a fact's questions).")
    seed: Seed = Field(0, description="Chooses the changed facts, the deleted documents and the unanswerable topics (0 to 2**32 - 1).")


class KbConfig(Section):
    """`ragvsft kb` and `ragvsft scale`: a generated fictional knowledge base (corpora/kb), seeded by `run.seed`."""

    train_phrasings: int = Field(3, ge=1, le=3, description="Train phrasings per fact.")
    eval_phrasings: int = Field(2, ge=1, le=2, description="Eval phrasings per fact.")
    changed_fraction: float = Field(0.1, gt=0, le=1, description="Share of the facts the counterfactual update round changes.")
    deleted_fraction: float = Field(0.05, ge=0, lt=1, description="Share of the pages the round leaves alone that the deletions remove.")
    unanswerable_fraction: float = Field(
        0.05, ge=0, le=1, description="Unanswerable topics per fact (at least 2), alternately in the train and eval split."
    )


class ScaleConfig(Section):
    """`ragvsft scale`: the comparison on generated knowledge bases of several sizes (eval/stages/scale.py)."""

    sizes: list[int] = Field([100, 300, 1000], min_length=2, description="Facts in each knowledge base, smallest first.")

    @field_validator("sizes")
    @classmethod
    def _growing(cls, sizes: list[int]) -> list[int]:
        if any(n < 10 for n in sizes) or sizes != sorted(set(sizes)):
            raise ValueError("sizes must be distinct, increasing and at least 10 facts each")
        return sizes

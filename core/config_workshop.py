"""The `workshop` section: limits that keep the workshop UI (`ragvsft ui`) usable by a whole room
at once. The UI reads them from the run's config.yaml (a run made before they existed gets these
defaults)."""

from __future__ import annotations

from pydantic import Field

from core.config_section import Section


class WorkshopConfig(Section):
    """How much one attendee may ask of the shared models, and how many may wait."""

    # One question of 20,000 characters took 106 s of both cores to answer with every arm, and the
    # room waited behind it; a real question is a sentence.
    max_chars: int = Field(
        1000, ge=10, le=100_000,
        description="Longest question or new value the UI accepts, in characters; an edited document may grow by at most this much.",
    )
    queue_size: int = Field(
        100, ge=1, le=10_000,
        description="Requests that may wait for the models at once (they run one at a time, each shown its place); more are refused with a message.",
    )

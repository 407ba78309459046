"""What every config section shares: unknown keys rejected, assignments validated, and the one
check for a key that takes `auto` or a number (core/config.py)."""

from __future__ import annotations

from typing import Callable

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def auto_or_number(value, in_range: Callable[[float], bool], message: str, *, none_ok: bool = False):
    """`value` when it is `auto`, a number (not a bool) in range, or None where allowed; else one
    ValueError with `message`, rather than pydantic's one message per member of the union."""
    if value == "auto" or (none_ok and value is None):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and in_range(value):
        return value
    raise ValueError(message)

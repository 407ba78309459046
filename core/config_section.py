"""What every config section shares: unknown keys rejected, assignments validated, numbers within
what the libraries accept, and the one check for a key that takes `auto` or a number (core/config.py)."""

from __future__ import annotations

from typing import Annotated, Callable

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The largest whole number any key takes: torch, NumPy and FAISS take counts and seeds as 32-bit
# unsigned at most, and a larger value fails deep inside them (an overflow, not a sentence).
LARGEST = 2**32 - 1

Seed = Annotated[int, Field(ge=0, le=LARGEST)]  # what NumPy's and torch's seeding accept


class Section(BaseModel):
    # NaN and infinity are not settings: a learning rate of .inf trains to NaN instead of being refused
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _not_huge(cls, value):
        numbers = value if isinstance(value, list) else [value]
        for n in numbers:
            if isinstance(n, int) and not isinstance(n, bool) and abs(n) > LARGEST:
                raise ValueError(f"{n} is out of range (whole numbers here are at most {LARGEST})")
        return value


def auto_or_number(value, in_range: Callable[[float], bool], message: str, *, none_ok: bool = False):
    """`value` when it is `auto`, a number (not a bool) in range, or None where allowed; else one
    ValueError with `message`, rather than pydantic's one message per member of the union."""
    if value == "auto" or (none_ok and value is None):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and in_range(value):
        return value
    raise ValueError(message)

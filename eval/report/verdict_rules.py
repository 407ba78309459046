"""How a verdict row favours a side, and the row itself.

- a rate with a 95% interval favours a side only when the intervals do not overlap; otherwise it
  is a tie within the intervals;
- a single measurement with no interval (seconds, megabytes, tokens) favours the lower side only
  when it is at least COST_FACTOR times lower: a time measured once on a shared CPU varies by tens
  of percent (the same training took 185-385 s on a loaded 2-core machine).
"""

from __future__ import annotations

from dataclasses import dataclass

from eval.catalogue import FINETUNE, HYBRID, RAG, metric, side_arm
from eval.report.format import interval_order, pct, rate_cell

COST_FACTOR = 1.5
TIE = "tie"


@dataclass(frozen=True)
class VerdictRow:
    aspect: str
    rag: str
    finetune: str
    hybrid: str
    favours: str  # RAG, fine-tune, tie, or "not measured"
    basis: str  # how the call was made, or why nothing was measured


def pct_text(value: float | None) -> str:
    return pct(value, unit="%")


def rate_text(record: dict | None, key: str) -> str:
    return rate_cell(record, key, unit="%")


def by_interval(rag: dict, finetune: dict, key: str) -> str:
    """The side whose interval lies wholly on the better side of the other's (better: the catalogue's `higher_is_better`)."""
    order = interval_order(rag[f"{key}_ci"], finetune[f"{key}_ci"]) * (1 if metric(key).higher_is_better else -1)
    return {1: RAG, -1: FINETUNE, 0: TIE}[order]


def by_cost(rag: float, finetune: float) -> str:
    if rag * COST_FACTOR <= finetune:
        return RAG
    if finetune * COST_FACTOR <= rag:
        return FINETUNE
    return TIE


def not_measured(aspect: str, why: str) -> VerdictRow:
    return VerdictRow(aspect, "–", "–", "–", "not measured", why)


def side_names(records: dict) -> tuple[str | None, str | None, str | None]:
    """The names of the arms standing for RAG, fine-tune and hybrid among `records`."""
    return tuple(side_arm(side, records) for side in (RAG, FINETUNE, HYBRID))


def sides(records: dict) -> tuple[dict | None, dict | None, dict | None]:
    """The records of the arms standing for RAG, fine-tune and hybrid among `records` (by arm name)."""
    return tuple(records.get(name) for name in side_names(records))



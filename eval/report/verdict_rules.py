"""How a verdict row favours a side, and the row itself.

- a rate favours a side when the 95% bootstrap interval of the difference (fine-tune minus RAG)
  excludes 0: paired on the questions both answered, seeds resampled too (eval/scoring/paired.py);
  otherwise it is a tie, said with the smallest difference the run could have called;
- a single measurement with no interval (seconds, megabytes, tokens) favours the lower side only
  when it is at least COST_FACTOR times lower: a time measured once on a shared CPU varies by tens
  of percent (the same training took 185-385 s on a loaded 2-core machine).
"""

from __future__ import annotations

from dataclasses import dataclass

from eval.catalogue import FINETUNE, HYBRID, RAG, WHOLE_CORPUS_SIDE, side_arm
from eval.report.evidence import better
from eval.report.format import pct, rate_cell
from eval.scoring.paired import Difference

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
    difference: Difference | None = None  # fine-tune minus RAG, for a rate row
    hybrid_difference: Difference | None = None  # hybrid minus RAG
    context: str = "–"  # the third option, the whole corpus in the prompt: shown, neither side
    context_difference: Difference | None = None  # whole corpus minus RAG

    def difference_cell(self) -> str:
        return difference_cell(self.difference) if self.difference else "–"


def pct_text(value: float | None) -> str:
    return pct(value, unit="%")


def rate_text(record: dict | None, key: str) -> str:
    return rate_cell(record, key, unit="%")


def by_difference(diff: Difference, key: str) -> str:
    """The side the difference (fine-tune minus RAG) calls on `key`: its interval excludes 0 on the
    better side (the catalogue's `higher_is_better`); a tie otherwise."""
    return {1: FINETUNE, -1: RAG, 0: TIE}[better(diff, key)]


def points(value: float) -> str:
    return f"{100 * value:+.1f}"


def difference_text(diff: Difference) -> str:
    """`+7.4 [-3.4, +18.2]`: the difference in points with its 95% interval."""
    return f"{points(diff.delta)} [{points(diff.ci[0])}, {points(diff.ci[1])}]"


def difference_cell(diff: Difference) -> str:
    """The difference, and beside a tie how large a difference the comparison could have called."""
    text = difference_text(diff)
    if diff.sign:
        return text
    if diff.detectable == 0:  # no question went differently: nothing to size a difference by
        return f"{text}; the same outcome on every one of the {diff.questions} questions"
    return f"{text}; with {diff.questions} questions a difference under ~{100 * diff.detectable:.0f} points cannot be called"


def how_compared(diff: Difference, names: tuple[str, str]) -> str:
    """How a difference was measured: paired or not, on how many questions, over how many seeds."""
    a, b = names
    if diff.paired:
        how = f"{b} minus {a}, paired on the same {diff.questions} questions"
    else:
        how = f"{b} minus {a}, unpaired (the two were asked different questions; each resampled on its own)"
    pooled = [f"{n} over {k} seeds" for n, k in zip(names, diff.seeds) if k > 1]
    seeds = f", {' and '.join(pooled)} (seeds resampled too)" if pooled else ", one seed (seed variance is not in the interval)"
    power = f"; a difference of {100 * diff.detectable:.0f} points would be called 80% of the time" if diff.detectable else ""
    return f"{how}{seeds}, 95% bootstrap interval of the difference{power}"


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


def context_name(records: dict) -> str | None:
    """The arm standing for the whole corpus in the prompt among `records` (by arm name)."""
    return side_arm(WHOLE_CORPUS_SIDE, records)


def versus_cell(text: str, diff: Difference | None, rag: str) -> str:
    """A cell beside the two sides: its value, and its difference from RAG's with the interval."""
    return f"{text} (minus {rag}: {difference_cell(diff)})" if diff else text


def sides(records: dict) -> tuple[dict | None, dict | None, dict | None]:
    """The records of the arms standing for RAG, fine-tune and hybrid among `records` (by arm name)."""
    return tuple(records.get(name) for name in side_names(records))



"""How numbers are written in the report, once: rates in % with their interval, seconds, Markdown tables."""

from __future__ import annotations


def pct(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{100 * value:.1f}{unit}"


def rate_cell(record: dict | None, key: str, unit: str = "") -> str:
    """`41.5 [34.6, 48.3]`: a rate in % with its 95% interval; `unit` follows the value."""
    if not record or key not in record:
        return "–"
    lo, hi = record[f"{key}_ci"]
    return f"{pct(record[key], unit)} [{pct(lo)}, {pct(hi)}]"


def seconds_text(seconds: float | None) -> str:
    """A wall time as people read it: 4 ms, 3.2 s, 342 s."""
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{1000 * seconds:.0f} ms"
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def interval_order(a: list[float], b: list[float]) -> int:
    """1 when interval `a` lies wholly above `b`, -1 wholly below, 0 when they overlap: the report
    calls a difference only outside the intervals."""
    (a_lo, a_hi), (b_lo, b_hi) = a, b
    return 1 if a_lo > b_hi else -1 if b_lo > a_hi else 0

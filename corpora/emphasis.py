"""Markdown emphasis and code markers removed in linear time (`ragvsft import`).

`**a**`, `__a__`, `*a*`, `_a_` and `` `a` `` become `a`. The rule is the one a regular expression
`(\\*\\*|__|\\*|_|`)(?=\\S)(.+?)(?<=\\S)\\1` states, but that expression is quadratic: an opener with
no closer scans to the end of the text, for every opener (`*a ` repeated: 16 s at 84 KB). Here each
delimiter's closers are listed once and an opener finds its nearest closer by bisection, so a text
of n characters takes O(n log n) at worst.
"""

from __future__ import annotations

from bisect import bisect_left

DELIMITERS = ("**", "__", "*", "_", "`")  # tried in this order at each position


def strip_emphasis(text: str) -> str:
    closers = {d: _closers(text, d) for d in DELIMITERS}
    out, i, n = [], 0, len(text)
    while i < n:
        for d in DELIMITERS:
            k = len(d)
            # an opener: the delimiter before a non-space; its span holds at least one character
            if not text.startswith(d, i) or i + k >= n or text[i + k].isspace():
                continue
            found = closers[d]
            at = bisect_left(found, i + k + 1)
            if at < len(found):
                j = found[at]
                out.append(text[i + k : j])
                i = j + k
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _closers(text: str, delimiter: str) -> list[int]:
    """Where `delimiter` closes a span: each occurrence after a non-space character, in order."""
    found, start = [], 1
    while (j := text.find(delimiter, start)) != -1:
        if not text[j - 1].isspace():
            found.append(j)
        start = j + 1
    return found

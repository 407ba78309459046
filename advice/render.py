"""The advice written out: advice.json (each capability's call and its reasons: the record), then
advice.md and advice.html rendered from that record alone, as the report is from a run directory,
so `ragvsft advise --render DIR` re-renders without reading a run. A console table beside them."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from core.errors import InputError
from core.rundir import read_json, write_json, write_text
from eval.report.format import markdown_table
from eval.report.html import render_page

ADVICE_JSON, ADVICE_MD, ADVICE_HTML = "advice.json", "advice.md", "advice.html"
_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")  # what could start markup, a link or a table cell


def md(value) -> str:
    """A user's text (a capability's name, a description, a phrase) as Markdown that shows it as written:
    its Markdown characters escaped, one line (it may sit in a table cell)."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def value_text(value) -> str:
    """A trait's value as a person reads it: yes/no, 2000, documents."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return md(value)


TEMPLATES = Environment(loader=PackageLoader("advice", "templates"), autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
TEMPLATES.filters["md"] = md
TEMPLATES.filters["value"] = value_text


def advice_markdown(record: dict) -> str:
    return TEMPLATES.get_template("advice.md.j2").render(**record)


def console_text(record: dict) -> str:
    """The calls as a table, then per capability the numbers each trait rests on, with their fields."""
    rows = [[c["name"], c["call"] + (f" (points to {c['points_to']})" if c.get("points_to") else ""), c["decided_by"]]
            for c in record["capabilities"]]
    lines = [markdown_table(["capability", "call", "decided by"], rows)]
    for c in record["capabilities"]:
        lines += ["", f"{c['name']}: {c['call']}" + (f" (gives up {', '.join(c['gives_up'])})" if c["gives_up"] else "")]
        for r in c["reasons"]:
            for f in r["findings"]:
                cells = "; ".join(f"{x['approach']} {x['text']} [{x['field']}]" for x in f["cells"])
                lines.append(f"  {r['trait']} in {f['run']} ({f['questions']}): {cells} -> keeps {', '.join(f['kept']) or 'none'}")
            if r["conflict"]:
                lines.append(f"  {r['trait']}: {r['conflict']}")
        lines += [f"  {o['trait']}: not decided by this evidence; measure with: {o['command']}" for o in c["open"]]
    return "\n".join(lines)


def write_advice(out: Path, record: dict) -> dict[str, Path]:
    """advice.json and the pages rendered from it: rendered first, so a failure writes nothing."""
    pages = _pages(out, record)
    write_json(Path(out) / ADVICE_JSON, record)
    return _write_pages(out, pages)


def render_advice(out: Path) -> dict[str, Path]:
    """advice.md and advice.html again from the directory's advice.json alone."""
    out = Path(out)
    if not (out / ADVICE_JSON).is_file():
        raise InputError(f"--render {out}: no {ADVICE_JSON} (`ragvsft advise --profile ... --run ... --out {out}` writes one)")
    return _write_pages(out, _pages(out, read_json(out / ADVICE_JSON, dict)))


def _pages(out: Path, record: dict) -> tuple[str, str]:
    markdown = advice_markdown(record)
    return markdown, render_page(markdown, Path(out), title=f"ragvsft advise: {record['application']}")


def _write_pages(out: Path, pages: tuple[str, str]) -> dict[str, Path]:
    out = Path(out)
    write_text(out / ADVICE_MD, pages[0])
    write_text(out / ADVICE_HTML, pages[1])
    return {"markdown": out / ADVICE_MD, "html": out / ADVICE_HTML, "json": out / ADVICE_JSON}

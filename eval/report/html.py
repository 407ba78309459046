"""report.html: the report's Markdown rendered by markdown-it (CommonMark with tables) into one
self-contained page (plots embedded as data URIs, no network), followed by the per-question
explorer, laid out by the jinja2 template templates/report.html.j2.

Every piece of text is escaped: raw HTML in the Markdown is rendered as text (markdown-it with
`html` off), and the template autoescapes questions, answers and ids. Passage texts travel as
JSON (jinja2's `tojson`, which writes `<`, `>`, `&` and `'` as unicode escapes) inside a
non-executable script element, and the page's script inserts them with textContent.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from jinja2 import Environment, PackageLoader
from markdown_it import MarkdownIt

from eval.catalogue import arm as catalogue_arm

TEMPLATES = Environment(loader=PackageLoader("eval.report", "templates"), autoescape=True)
PAGE = TEMPLATES.get_template("report.html.j2")
SIDE = re.compile(r"\*\*(RAG|fine-tune|tie)\*\*")  # a verdict cell naming the favoured side


def markdown_to_html(markdown: str, base: Path) -> str:
    """The report's Markdown as HTML; images are read from `base` and embedded, a verdict's side cell coloured."""
    md = MarkdownIt("commonmark", {"html": False, "xhtmlOut": False}).enable("table")
    tokens = md.parse(markdown)
    for i, token in enumerate(tokens):
        if token.type == "td_open" and (side := SIDE.fullmatch(tokens[i + 1].content.strip())):
            token.attrSet("class", f"side-{side.group(1).lower()}")
        for child in token.children or []:
            if child.type == "image":
                data = base64.b64encode((base / child.attrGet("src")).read_bytes()).decode("ascii")
                child.attrSet("src", f"data:image/png;base64,{data}")
    return md.renderer.render(tokens, md.options, {})


def explorer_rows(rows: list[dict]) -> list[dict]:
    """Every eval question with each arm's answer, right or wrong, and what it retrieved and cited."""
    arms = list(dict.fromkeys(r["arm"] for r in rows))

    def whole(row: dict) -> bool:  # every document was in its prompt: listing them all would show nothing
        return bool(catalogue_arm(row["arm"]) and catalogue_arm(row["arm"]).caches_corpus)

    return [
        {
            **r,
            "outcome": "right" if r["correct"] else "wrong",
            "chunks": [] if whole(r) else [p["chunk_id"] for p in r["retrieved"]],
            "doc_ids": [p["doc_id"] for p in r["retrieved"]],
            "whole_corpus": len(r["retrieved"]) if whole(r) else 0,
            "cited": r.get("cited_doc_ids") or [],
        }
        for r in sorted(rows, key=lambda r: (r["question_id"], arms.index(r["arm"])))
    ]


def render_html(markdown: str, base: Path, rows: list[dict], passages: dict[str, dict], *, title: str) -> str:
    return PAGE.render(
        title=title, body=markdown_to_html(markdown, Path(base)), rows=explorer_rows(rows),
        arms=list(dict.fromkeys(r["arm"] for r in rows)), passages=passages,
    )


def render_page(markdown: str, base: Path, *, title: str) -> str:
    """A page of Markdown alone, in the report's look (the advice is one): escaped as the report is."""
    return TEMPLATES.get_template("page.html.j2").render(title=title, body=markdown_to_html(markdown, Path(base)))

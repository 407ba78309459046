"""report.html: the report's Markdown turned into one self-contained page (plots embedded as data
URIs, no network), followed by the per-question explorer.

The Markdown is the report's own, a small subset (headings, tables, images, paragraphs, `code`,
**bold**), so a short converter suffices and both files say the same thing. Every piece of text
is escaped: questions, answers and passages are data, never markup. Passage texts travel as JSON
inside a non-executable script element with `<` written as \\u003c, and the page's script inserts
them with textContent.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

CSS = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
code { background: #f4f4f4; padding: 0 0.2em; }
img { max-width: 100%; }
.right { color: #1a7f37; font-weight: bold; } .wrong { color: #c62828; font-weight: bold; }
#explorer-filters { position: sticky; top: 0; background: white; padding: 0.5em 0; }
details pre { white-space: pre-wrap; max-width: 60em; }
td.side-rag { background: #dbeafe; } td.side-fine-tune { background: #fde2e2; } td.side-tie { background: #eeeeee; }
"""

SCRIPT = """
const passages = JSON.parse(document.getElementById('passages').textContent);
function filterRows() {
  const arm = document.getElementById('arm').value, outcome = document.getElementById('outcome').value;
  const text = document.getElementById('search').value.toLowerCase();
  let shown = 0;
  for (const row of document.querySelectorAll('#explorer tbody tr')) {
    const ok = (arm === 'all' || row.dataset.arm === arm) && (outcome === 'all' || row.dataset.outcome === outcome)
      && (!text || row.textContent.toLowerCase().includes(text));
    row.hidden = !ok; if (ok) shown++;
  }
  document.getElementById('shown').textContent = shown;
}
for (const id of ['arm', 'outcome', 'search']) document.getElementById(id).addEventListener('input', filterRows);
for (const d of document.querySelectorAll('details[data-chunks]')) {
  d.addEventListener('toggle', () => {
    if (d.dataset.filled) return;
    d.dataset.filled = '1';
    for (const id of JSON.parse(d.dataset.chunks)) {
      const p = passages[id], pre = document.createElement('pre');
      pre.textContent = p ? `[${id}] ${p.title}\\n${p.text}` : `[${id}] (text not in the run's index)`;
      d.appendChild(pre);
    }
  });
}
filterRows();
"""


def inline(text: str) -> str:
    """Escape, then `code` and **bold**."""
    out = html.escape(text, quote=True)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _td(cell: str) -> str:
    """A table cell; a verdict's bold side name gets its colour."""
    side = re.fullmatch(r"\*\*(RAG|fine-tune|tie)\*\*", cell)
    return f'<td class="side-{side.group(1).lower()}">' if side else "<td>"


def _image(alt: str, src: str, base: Path) -> str:
    data = base64.b64encode((base / src).read_bytes()).decode("ascii")
    return f'<p><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></p>'


def markdown_to_html(markdown: str, base: Path) -> str:
    """The report's Markdown subset as HTML; images are read from `base` and embedded."""
    out: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif heading := re.match(r"(#{1,6}) (.*)", line):
            level = len(heading.group(1))
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
            i += 1
        elif image := re.fullmatch(r"!\[([^\]]*)\]\(([^)]+)\)", line.strip()):
            out.append(_image(image.group(1), image.group(2), base))
            i += 1
        elif line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            head, body = _cells(block[0]), [_cells(b) for b in block[2:]]
            out.append("<table><thead><tr>" + "".join(f"<th>{inline(c)}</th>" for c in head) + "</tr></thead><tbody>")
            out += ["<tr>" + "".join(f"{_td(c)}{inline(c)}</td>" for c in row) + "</tr>" for row in body]
            out.append("</tbody></table>")
        else:
            block = []
            while i < len(lines) and lines[i].strip() and not re.match(r"#|\||!\[", lines[i]):
                block.append(lines[i])
                i += 1
            out.append(f"<p>{inline(' '.join(block))}</p>")
    return "\n".join(out)


def explorer(rows: list[dict], passages: dict[str, dict]) -> str:
    """Every eval question with each arm's answer, right or wrong, and what it retrieved and cited."""
    arms = list(dict.fromkeys(r["arm"] for r in rows))
    options = "".join(f'<option value="{html.escape(a)}">{html.escape(a)}</option>' for a in arms)
    body = []
    for r in sorted(rows, key=lambda r: (r["question_id"], arms.index(r["arm"]))):
        right = bool(r["correct"])
        chunks = [p["chunk_id"] for p in r["retrieved"]]
        retrieved = (
            f"<details data-chunks=\"{html.escape(json.dumps(chunks))}\"><summary>{inline(', '.join(p['doc_id'] for p in r['retrieved']))}</summary></details>"
            if chunks else "–"
        )
        body.append(
            f'<tr data-arm="{html.escape(r["arm"])}" data-outcome="{"right" if right else "wrong"}">'
            f"<td>{inline(r['question_id'])}<br><small>{inline(r['kind'])}</small></td><td>{inline(r['question'])}</td>"
            f"<td>{inline(' / '.join(r['gold_answers']))}</td><td>{inline(r['arm'])}</td><td>{inline(r['answer'])}</td>"
            f'<td class="{"right" if right else "wrong"}">{"right" if right else "wrong"}</td>'
            f"<td>{retrieved}</td><td>{inline(', '.join(r.get('cited_doc_ids') or []) or '–')}</td></tr>"
        )
    data = json.dumps(passages).replace("<", "\\u003c")
    return f"""<h2>Per-question explorer</h2>
<p>The main comparison's answers ({len(rows)} rows). Retrieved passages open on click.</p>
<div id="explorer-filters">arm <select id="arm"><option value="all">all</option>{options}</select>
outcome <select id="outcome"><option value="all">all</option><option value="right">right</option><option value="wrong">wrong</option></select>
search <input id="search" type="search" placeholder="question, answer, id"> <span id="shown"></span> shown</div>
<table id="explorer"><thead><tr><th>id</th><th>question</th><th>accepted</th><th>arm</th><th>answer</th><th>outcome</th><th>retrieved</th><th>cited</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
<script type="application/json" id="passages">{data}</script>"""


def render_html(markdown: str, base: Path, rows: list[dict], passages: dict[str, dict], *, title: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{CSS}</style></head>
<body>
{markdown_to_html(markdown, Path(base))}
{explorer(rows, passages)}
<script>{SCRIPT}</script>
</body></html>
"""

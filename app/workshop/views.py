"""HTML for the workshop UI's panels: the arms' answers side by side, the change list and messages.
Every text from the corpus, the models or the user is escaped here; nothing else builds markup."""

from __future__ import annotations

from html import escape

from eval.catalogue import ARMS
from app.workshop.session import ASKED_ID, NEITHER, NEW, OLD, Change, Reply

CSS = """
.answers { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; }
.arm { border: 1px solid #ddd; border-top: 5px solid var(--arm-colour); border-radius: 6px; padding: 10px; }
.arm h3 { margin: 0 0 6px 0; font-size: 1.05em; }
.arm .said { font-size: 1.1em; margin: 6px 0; }
.arm .meta { color: #555; font-size: 0.85em; }
.verdict-right { color: #1a7f37; font-weight: bold; } .verdict-wrong { color: #cf222e; font-weight: bold; }
.passage { border-left: 3px solid #bbb; padding: 2px 8px; margin: 6px 0; font-size: 0.85em; }
.passage .title { font-weight: bold; }
.changes table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
.changes td, .changes th { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
.status-new { background: #dafbe1; } .status-old { background: #ffebe9; } .status-neither { background: #f6f8fa; }
.message-ok { color: #1a7f37; } .message-error { color: #cf222e; font-weight: bold; }
"""

STATUS_WORDS = {  # (action, status) -> what the change list says; the default names the status
    ("edit", NEW): "new value", ("edit", OLD): "old value", ("edit", NEITHER): "neither",
    ("delete", OLD): "still answers", ("delete", NEITHER): "forgotten",
}


def message(text: str, *, error: bool = False) -> str:
    return f'<p class="message-{"error" if error else "ok"}">{escape(text)}</p>'


def answers_panel(question, replies: list[Reply], documents: dict) -> str:
    """The question, then one card per arm; `documents` by id, to name what an answer cites."""
    gold = f' <span class="meta">(corpus question {escape(question.id)}; accepted: {escape(" / ".join(question.answers))})</span>' if question.id != ASKED_ID else ""
    head = f"<p><b>Q:</b> {escape(question.question)}{gold}</p>"
    return head + '<div class="answers">' + "".join(_arm_card(r, documents) for r in replies) + "</div>"


def _arm_card(reply: Reply, documents: dict) -> str:
    a, spec = reply.answer, ARMS[reply.arm]
    verdict = "" if reply.correct is None else (
        '<span class="verdict-right">right</span>' if reply.correct else '<span class="verdict-wrong">wrong</span>'
    )
    gated = ""
    if a.gated:
        gated = f'<div class="meta">gate: best passage below the run\'s threshold, so it abstains; the reader alone said: {escape(a.reader_text or "")}</div>'
    cited = ", ".join(documents[d].title if d in documents else d for d in a.cited_doc_ids) or "none"
    if spec.caches_corpus:  # every document: listing them under each answer would bury the answers
        passages = (f'<div class="meta">read the whole corpus: {len(a.passages)} documents, {a.prompt_tokens:,} prompt tokens '
                    f'({a.cached_tokens:,} from the cache)</div>')
    else:
        passages = "".join(
            f'<div class="passage"><span class="title">{escape(p.title)}</span> <span class="meta">score {p.score:.3f}</span>'
            f'<div class="text">{escape(p.text)}</div></div>'
            for p in a.passages
        )
    return (
        f'<div class="arm arm-{escape(reply.arm)}" style="--arm-colour: {spec.colour}"><h3>{escape(reply.arm)}</h3>'
        f'<div class="meta">{escape(spec.description)}</div><div class="said">{escape(a.text)}</div>'
        f'<div class="meta">{verdict} {a.retrieve_ms + a.generate_ms:.0f} ms · cited: {escape(cited)}</div>{gated}{passages}</div>'
    )


def changes_panel(changes: list[Change], arms: list[str]) -> str:
    if not changes:
        return '<div class="changes"><p>No changes yet. Edit a fact or a document, or delete a document.</p></div>'
    head = "".join(f"<th>{escape(a)} now</th>" for a in arms)
    rows = "".join(_change_row(c, arms) for c in changes)
    return (
        '<div class="changes"><table><tr><th>#</th><th>document</th><th>change</th><th>RAG absorbed in</th>'
        f"<th>fine-tune absorbed</th><th>asked after each change</th>{head}</tr>{rows}</table></div>"
    )


def _change_row(change: Change, arms: list[str]) -> str:
    cells = "".join(
        f'<td class="status-{escape(change.status.get(a, NEITHER))}">{escape(_status_word(change, a))}</td>' for a in arms
    )
    probe = escape(change.probe.question) if change.probe else "(no fact changed)"
    return (
        f"<tr><td>{change.number}</td><td>{escape(change.title)} <span class=\"meta\">({escape(change.doc_id)})</span></td>"
        f"<td>{escape(change.action)}: {escape(change.what)}</td><td>{change.index_ms:.0f} ms</td>"
        f"<td>{escape(change.retrain or 'not yet: Retrain')}</td><td>{probe}</td>{cells}</tr>"
    )


def _status_word(change: Change, arm: str) -> str:
    if change.probe is None:
        return "-"
    status = change.status.get(arm, "")
    word = STATUS_WORDS.get((change.action, status), status)
    return f"{word} (the gate abstained)" if arm in change.gated else word

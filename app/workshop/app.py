"""The workshop UI (Gradio): ask every arm a question, change the knowledge, retrain, read the report.

Each browser session gets its own `Session` (a copy of the run it can change); the models are
loaded once and shared. Every handler returns a message for the page: bad input is shown as its
sentence (an InputError), anything else as a one-line internal error, never a stack trace.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # nothing leaves the machine unless asked (--share)

import gradio as gr  # noqa: E402
from transformers import TrainerCallback  # noqa: E402

from core.corpus import GENERAL  # noqa: E402
from core.errors import InputError  # noqa: E402
from finetune.strategies import STRATEGIES  # noqa: E402
from app.workshop.advice_tab import build_tab as build_advice_tab  # noqa: E402
from app.workshop.edits import facts_of  # noqa: E402
from app.workshop.loaded_run import LoadedRun  # noqa: E402
from app.workshop.report_tab import plots, verdict_section  # noqa: E402
from app.workshop.rounds import ROUND_NAME  # noqa: E402
from app.workshop.session import Session  # noqa: E402
from app.workshop.views import CSS, answers_panel, changes_panel, message  # noqa: E402

log = logging.getLogger(__name__)
MODELS = "models"  # the concurrency group of every handler that runs a model


class _Progress(TrainerCallback):
    """Training steps -> the page's progress bar, with the seconds so far."""

    def __init__(self, progress: gr.Progress):
        self.progress, self.start = progress, time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        seconds = time.perf_counter() - self.start
        self.progress((state.global_step, state.max_steps), desc=f"training: {seconds:.0f} s", unit="steps")


def fact_choices(session_or_run) -> list[tuple[str, str]]:
    return [(f"{fid}: {qs[0].question} = {qs[0].answers[0]}", fid) for fid, qs in facts_of(session_or_run.corpus).items()]


def document_choices(session_or_run) -> list[tuple[str, str]]:
    return [(f"{d.title} ({d.id})", d.id) for d in session_or_run.corpus.documents]


def build_app(run: LoadedRun, workroot: Path, save_root: Path | None = None) -> gr.Blocks:
    def new_session() -> Session:
        return Session(run, Path(tempfile.mkdtemp(prefix="session-", dir=workroot)), save_root)

    def guarded(handler):
        """Run a handler on this browser's session; any failure becomes a message in the page."""

        @functools.wraps(handler)  # Gradio reads the handler's signature (its gr.Progress argument)
        def wrapped(session, *args, **kwargs):
            try:
                session = session or new_session()
                return {state: session, **handler(session, *args, **kwargs)}
            except InputError as exc:
                return {state: session, note: message(str(exc), error=True)}
            except Exception as exc:  # a bug: logged with its traceback, one line in the page
                log.exception("workshop handler failed")
                return {state: session, note: message(f"internal error ({type(exc).__name__}): {exc}", error=True)}

        return wrapped

    def after_change(session: Session, text: str, done: str, shown_doc: str | None) -> dict:
        """The question asked again on every arm (the probe of the last change when the box is empty),
        the lists and the shown document's text as they now are."""
        text = (text or "").strip() or (session.changes[-1].probe.question if session.changes and session.changes[-1].probe else "")
        shown = session.corpus.by_doc_id().get(shown_doc or "")
        out = {
            note: message(done), changes: changes_panel(session.changes, run.arms), text_box: shown.text if shown else "",
            fact: gr.Dropdown(choices=fact_choices(session)),
            document: gr.Dropdown(choices=document_choices(session), value=shown.id if shown else None),
        }
        if text:
            try:
                out.update(ask_outputs(session, text))
            except InputError as exc:  # the change is made: say so, and why the question was not asked again
                out[note] = message(f"{done}; the question was not asked again: {exc}")
        return out

    def ask_outputs(session: Session, text: str) -> dict:
        asked, replies = session.ask(text)
        return {question: text, answers: answers_panel(asked, replies, session.corpus.by_doc_id())}

    def on_ask(session, text):
        return {**ask_outputs(session, text), note: message("asked every arm")}

    def on_document(session, doc_id):
        return {text_box: session.document(doc_id).text if doc_id else ""}

    def applied(change) -> str:
        return f"change {change.number} applied: RAG re-indexed {change.title} in {change.index_ms:.0f} ms"

    def on_fact(session, fact_id, new_value, text, shown_doc):
        change = session.edit_fact(fact_id or "", new_value)
        return after_change(session, text, applied(change), shown_doc)

    def on_edit(session, doc_id, new_text, text):
        change = session.edit_document(doc_id or "", new_text)
        return after_change(session, text, applied(change), doc_id)

    def on_delete(session, doc_id, text):
        change = session.delete_document(doc_id or "")
        left = session.corpus.documents  # the first one left is shown next (none when the room deleted them all)
        done = f"change {change.number}: {change.title} deleted; RAG dropped its chunks in {change.index_ms:.0f} ms"
        return after_change(session, text, done, left[0].id if left else None)

    def retrain_handler(name: str):
        def on_retrain(session, text, shown_doc, progress=gr.Progress()):
            seconds = session.retrain(name, callbacks=[_Progress(progress)])
            return after_change(session, text, f"retrained ({name}) in {seconds:.1f} s; the closed-book fine-tuned arms now use the new adapter (raft reads the index, as rag does)", shown_doc)
        return on_retrain

    def on_save(session):
        target, archive = session.save_round()
        where = f"on the server in {target}" if save_root else "for download below (unzip it where you run ragvsft)"
        cmd = f"ragvsft run --config {run.run_dir / 'config.yaml'} --set corpus.dir={target if save_root else target.name} --out runs/{target.name}"
        return {
            note: message(f"saved the session's edits as update round {ROUND_NAME}, {where}; measure them with: {cmd}"),
            download: gr.File(value=str(archive), visible=True),
        }

    examples = [[q.question] for q in run.corpus.split("eval") if q.kind != GENERAL]
    with gr.Blocks(title=f"ragvsft workshop: {run.cfg.name}") as app:
        state = gr.State(None, delete_callback=lambda s: s and shutil.rmtree(s.workdir, ignore_errors=True))
        gr.Markdown(
            f"# RAG vs fine-tuning, live: `{run.cfg.name}`\nModel `{run.cfg.model.name}`, run `{run.run_dir}`. "
            "Your edits live in this browser session only; the run's files never change."
        )
        with gr.Tab("Ask and change"):
            with gr.Row():
                # no max_length here: the browser would cut a long question silently; the server says why it refuses
                question = gr.Textbox(label="Question", placeholder="Ask anything, or pick one of the corpus's questions below", scale=4, elem_id="question")
                ask = gr.Button("Ask every arm", variant="primary", scale=1, elem_id="ask")
            gr.Examples(examples, inputs=[question], examples_per_page=6, label="The corpus's eval questions")
            note = gr.HTML(elem_id="message")
            answers = gr.HTML(elem_id="answers")
            with gr.Row():
                with gr.Column():
                    gr.Markdown("### Change a fact\nThe document's text changes where the old value occurs.")
                    fact = gr.Dropdown(choices=fact_choices(run), label="Fact", elem_id="fact")
                    new_value = gr.Textbox(label="New value", elem_id="new-value")
                    apply_fact = gr.Button("Apply", variant="primary", elem_id="apply-fact")
                with gr.Column():
                    gr.Markdown("### Edit or delete a document")
                    first = run.corpus.documents[0]
                    document = gr.Dropdown(choices=document_choices(run), value=first.id, label="Document", elem_id="document")
                    text_box = gr.Textbox(first.text, label="Text", lines=5, elem_id="document-text")
                    with gr.Row():
                        apply_edit = gr.Button("Apply edit", elem_id="apply-edit")
                        delete = gr.Button("Delete document", variant="stop", elem_id="delete")
            gr.Markdown("### Retrain the fine-tune on the pending changes (RAG needs none)")
            with gr.Row():
                retrain = {n: gr.Button(f"Retrain ({n})", elem_id=f"retrain-{n}") for n in STRATEGIES}
            gr.Markdown("\n".join(f"- **{s.name}**: {s.description}" for s in STRATEGIES.values()))
            changes = gr.HTML(changes_panel([], run.arms), elem_id="changes")
            with gr.Row():
                save = gr.Button("Save the edits as an update round", scale=1, elem_id="save-round")
                download = gr.File(label="The saved round (a corpus directory, zipped)", visible=False, interactive=False, scale=3, elem_id="saved-round")
        with gr.Tab("Which to pick"):
            build_advice_tab(gr, run.run_dir)
        with gr.Tab("Report"):
            gr.Markdown(verdict_section(run.run_dir))
            for path, caption in plots(run.run_dir):  # one per row, at its own aspect ratio (a gallery crops them square)
                gr.Image(path, label=caption, interactive=False, buttons=[])

        everything = [state, question, answers, note, changes, fact, document, text_box, download]
        # Every handler that runs a model waits in one queue and runs alone (the models and the CPU are
        # shared: two at once only slow both), each waiting browser shown its place in the queue (and a
        # retrain's progress) once, on the answers panel, rather than on every component it updates.
        models = {"concurrency_id": MODELS, "concurrency_limit": 1, "show_progress_on": [answers]}
        ask.click(guarded(on_ask), [state, question], everything, **models)
        question.submit(guarded(on_ask), [state, question], everything, **models)
        document.change(guarded(on_document), [state, document], everything, concurrency_limit=None)  # reads text only
        apply_fact.click(guarded(on_fact), [state, fact, new_value, question, document], everything, **models)
        apply_edit.click(guarded(on_edit), [state, document, text_box, question], everything, **models)
        delete.click(guarded(on_delete), [state, document, question], everything, **models)
        for name, button in retrain.items():
            button.click(guarded(retrain_handler(name)), [state, question, document], everything, **models)
        save.click(guarded(on_save), [state], everything, concurrency_limit=None)
    return app


def serve(run: LoadedRun, *, host: str, port: int | None, share: bool, block: bool = True, save_root: Path | None = None) -> gr.Blocks:
    """Serve the UI; its sessions' folders (and Gradio's copies of the files it offers) live in one
    temp folder that is removed when the UI stops, however it stops (Ctrl-C, a TERM or HUP signal)."""
    workroot = Path(tempfile.mkdtemp(prefix="ragvsft-ui-"))
    os.environ["GRADIO_TEMP_DIR"] = str(workroot / "gradio")  # Gradio's cache of served files, removed with the rest
    atexit.register(shutil.rmtree, workroot, ignore_errors=True)
    if block:
        stop_on_signals()
    app = build_app(run, workroot, save_root)
    app.queue(max_size=run.cfg.workshop.queue_size, default_concurrency_limit=1).launch(
        server_name=host, server_port=port, share=share, css=CSS, prevent_thread_lock=not block, quiet=not block,
        allowed_paths=[str(run.run_dir / "plots")],
        max_file_size="1kb",  # the page takes no files; Gradio's upload route stays open, so keep what it accepts tiny
    )
    return app


def stop_on_signals() -> None:
    """TERM and HUP end the process as Ctrl-C does, so the exit handlers remove the session folders
    (Python's default for those signals ends it without running them)."""

    def stop(signum, frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)

"""The UI's "Which to pick" tab: a room writes one capability (its words, and any traits it wants to
state) and sees the call with its reasoning from the served run, as `ragvsft advise` gives it.
Nothing is written; the page shows the advice's Markdown rendered with every text escaped."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from advice.decide import advise_profile
from advice.profile import Capability, Profile, resolve
from advice.render import advice_markdown
from advice.runs import RunEvidence, load_runs
from app.workshop.views import message
from core.errors import InputError, validated_mapping
from eval.report.html import markdown_to_html

log = logging.getLogger(__name__)

KNOWLEDGE = [("not stated", ""), ("facts written in documents", "documents"), ("facts you can write as question/answer pairs", "qa_pairs"),
             ("behaviour and format only", "none")]
FLAGS = {  # trait -> the checkbox's words
    "changes": "the facts change after deployment",
    "removal": "data must be removable on request",
    "citations": "answers must show their source",
    "style": "answers follow a house style or format",
    "abstain": "say \"I don't know\" rather than guess",
    "general_knowledge": "keep general knowledge beyond the documents",
}
NUMBERS = {"updates_per_month": "updates a month (0: not stated)", "latency_p95_ms": "latency budget, p95 ms (0: none)",
           "queries_per_day": "queries a day (0: not stated)"}


@functools.lru_cache(maxsize=4)
def served_evidence(run_dir: Path) -> RunEvidence:
    """The served run's scores, read once (a few seconds) and shared by every browser."""
    return load_runs([run_dir])[0]


def form_capability(description: str, knowledge: str, flags: list[bool], numbers: list[float | None]) -> Capability:
    """The form as a capability: the traits ticked or typed are given; none at all, and they are read from the words."""
    traits = {t: True for t, on in zip(FLAGS, flags) if on}
    traits.update({t: v for t, v in zip(NUMBERS, numbers) if v})  # an empty number box sends 0: not stated
    if knowledge:
        traits["knowledge"] = knowledge
    data = {"name": "your capability", "description": description or "", **({"traits": traits} if traits else {})}
    return validated_mapping(Capability, data, "the form", expected="a capability")


def advice_html(run_dir: Path, description: str, knowledge: str, flags: list[bool], numbers: list[float | None]) -> str:
    capability = form_capability(description, knowledge, flags, numbers)
    profile = Profile(application="the workshop's capability", capabilities=[capability])
    record = advise_profile(profile, [resolve(capability)], [served_evidence(Path(run_dir))], "the form on this page")
    return markdown_to_html(advice_markdown(record), Path(run_dir))


def build_tab(gr, run_dir: Path) -> None:
    """The tab's components and its one handler; a refusal is its sentence in the page, a bug one line."""
    gr.Markdown(
        "### Which to pick, for one capability\nDescribe what the application must do. Tick or type the traits you know; "
        "with none, they are read from your words (the page shows which words set which trait). The call comes from this "
        "run's measurements only: where it measured nothing, the answer is *not decided by this evidence*."
    )
    description = gr.Textbox(label="The capability, in words", lines=2, elem_id="advice-description",
                             placeholder="e.g. answers policy questions that change monthly, citation needed")
    knowledge = gr.Dropdown(choices=KNOWLEDGE, value="", label="Where its answers come from", elem_id="advice-knowledge")
    with gr.Row():
        flags = [gr.Checkbox(label=words, elem_id=f"advice-{trait}") for trait, words in FLAGS.items()]
    with gr.Row():
        numbers = [gr.Number(label=words, value=None, minimum=0, elem_id=f"advice-{trait}") for trait, words in NUMBERS.items()]
    button = gr.Button("Which to pick?", variant="primary", elem_id="advice-ask")
    note = gr.HTML(elem_id="advice-message")
    answer = gr.HTML(elem_id="advice-answer")

    def on_advise(description, knowledge, *values):
        try:
            html = advice_html(run_dir, description, knowledge, list(values[: len(FLAGS)]), list(values[len(FLAGS):]))
        except InputError as exc:
            return {answer: "", note: message(str(exc), error=True)}
        except Exception as exc:  # a bug: logged with its traceback, one line in the page
            log.exception("advice handler failed")
            return {answer: "", note: message(f"internal error ({type(exc).__name__}): {exc}", error=True)}
        return {answer: html, note: ""}

    # no model runs here, but the paired bootstrap takes a CPU second: one at a time, apart from the models' queue
    button.click(on_advise, [description, knowledge, *flags, *numbers], [answer, note], concurrency_id="advice", concurrency_limit=1)

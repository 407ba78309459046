"""The finished runs the advice reads: each one's summary, prediction rows and paired scores, what
it was measured with (model, device, CPU kind, question kind), and the approaches it measured.

An approach is an arm someone could deploy: not the reference (the model as shipped, against which
general knowledge is counted) and not a ceiling (it reads the gold document, which no deployment
has). Update and deletion stages measure the fine-tune as its strategies (`lora_<strategy>`): they
stand for the arm of their side.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import InputError
from eval.catalogue import ARMS, FINETUNE, HYBRID, RAG, WHOLE_CORPUS_SIDE, arm, conflict_probe, reference_arm, side_arm, side_of
from eval.report.evidence import RunScores
from eval.report.questions import kind_text
from eval.rundir import load_run

# how much a question kind is trusted to speak for real users (../shared/DESIGN.md, validity rule 2)
KIND_RANK = {"human-written": 0, "hand-written": 1, "synthesized": 2}


@dataclass
class RunEvidence:
    name: str  # as the reasoning names it: the directory as given
    summary: dict
    rows: list[dict]
    scores: RunScores

    @property
    def arms(self) -> dict:
        return self.summary["arms"]

    @property
    def kind(self) -> str:
        return ((self.summary["meta_info"].get("corpus") or {}).get("origin") or {}).get("questions", "unrecorded")

    @property
    def kind_text(self) -> str:
        return kind_text((self.summary["meta_info"].get("corpus") or {}).get("origin"))

    @property
    def model(self) -> str:
        return self.summary["meta_info"]["model"]["name"]

    @property
    def hardware(self) -> str:
        meta = self.summary["meta_info"]
        cpu = meta.get("cpu") or {}
        where = f"{cpu.get('model', 'CPU')} ({cpu.get('isa', '?')})" if meta["device"] == "cpu" else meta["device"]
        return f"{meta['device']}, {where}, {meta['threads']} threads"

    @property
    def git(self) -> str:
        return (self.summary["meta_info"].get("git_hash") or "unknown")[:7]

    def approaches(self) -> list[str]:
        """The deployable arms this run measured, in catalogue order."""
        return [a for a in ARMS if a in self.arms and is_approach(a)]

    def not_run(self) -> dict[str, dict]:
        """Configured approaches this run did not run, with why (a corpus that does not fit the window)."""
        return {a: r for a, r in (self.summary.get("not_run") or {}).items() if is_approach(a)}

    def describe(self) -> dict:
        return {"name": self.name, "model": self.model, "hardware": self.hardware, "questions": self.kind,
                "questions_text": self.kind_text, "git": self.git, "approaches": self.approaches(), "not_run": list(self.not_run())}


def is_approach(name: str) -> bool:
    entry = arm(name)
    return entry is not None and not entry.answerable_only and name != reference_arm()


def approach_of(stage_arm: str, main_arms) -> str | None:
    """The main arm a stage's arm stands for: itself, or (a fine-tune strategy) its side's main arm."""
    if stage_arm in ARMS:
        return stage_arm if is_approach(stage_arm) else None
    return side_arm(side_of(stage_arm), main_arms) if side_of(stage_arm) else None


def call_label(name: str) -> str:
    """The call an approach makes, in the words the question is asked in."""
    entry = ARMS[name]
    if entry.side:
        return {
            RAG: "RAG", FINETUNE: "fine-tune", HYBRID: f"both: the reader trained to read ({name})",
            WHOLE_CORPUS_SIDE: f"the whole corpus in the prompt, cached ({name})",
        }[entry.side]
    if name == conflict_probe():
        return f"both: fine-tune for style, retrieval for facts ({name})"
    return f"{name}: {entry.description}"


def load_runs(paths: list[Path]) -> list[RunEvidence]:
    if not paths:
        raise InputError("--run: give at least one finished run directory (e.g. --run runs/default)")
    runs, seen = [], set()
    for path in paths:
        if Path(path).resolve() in seen:  # said before reading it twice
            raise InputError(f"--run {path}: given twice")
        seen.add(Path(path).resolve())
        summary, rows = load_run(Path(path))
        # a run that measured no approach is refused, unless it records one that did not fit (evidence too)
        if not any(a in summary.get("arms", {}) or a in (summary.get("not_run") or {}) for a in ARMS if is_approach(a)):
            raise InputError(f"--run {path}: summary.json measured no approach (arms {', '.join(summary.get('arms', {})) or 'none'})")
        _check_rows(path, summary, rows)
        runs.append(RunEvidence(str(path), summary, rows, RunScores(summary, rows)))
    return runs


def _check_rows(path, summary: dict, rows: list[dict]) -> None:
    """A summary whose prediction rows are missing what it reports cannot be traced: refused, not half-read."""
    main = {r["arm"] for r in rows if not r.get("stage")}
    missing = [a for a in summary["arms"] if a not in main]
    if missing:
        raise InputError(f"--run {path}: predictions.jsonl holds no rows of arm {missing[0]!r} that summary.json reports")
    for section, stage in (("updates", "update"), ("deletions", "deletion")):
        if summary.get(section) and not any(r.get("stage") == stage for r in rows):
            raise InputError(f"--run {path}: summary.json has {section} but predictions.jsonl holds no {stage} rows")

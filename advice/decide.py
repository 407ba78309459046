"""A call per capability, from its traits and the runs' measurements (docs/advise.md says it in words):

1. Each stated trait reads its measurement in every run that has it (advice/measures.py). A trait no
   run measured leaves the capability "not decided by this evidence", with the command that would
   measure it: the measured traits' direction is said, never taken for the call.
2. Several runs combine: an approach is ruled out by any run that measured it worse; when the runs
   rule out everything between them they conflict, which is shown, and the run whose questions are
   closest to real users' (human-written, then hand-written, then synthesized) decides the trait.
3. The latency budget rules out every approach whose measured p95 is over it.
4. The approaches kept by the most quality traits (accuracy, updates, removal, citations, style,
   abstention, general knowledge) remain; a trait that rules the call out is said as given up.
5. Among equals, the daily cost at the stated volume and cadence (advice/costs.py), then the
   measured set-up cost, decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from advice import costs, measures
from advice.measures import Finding
from advice.phrases import keyword_rule
from advice.profile import Profile, ReadCapability
from advice.runs import KIND_RANK, RunEvidence, call_label

NOT_DECIDED = "not decided by this evidence"
SQUAD = "ragvsft run --config squad"  # human questions about facts met only in documents
DEFAULT = "ragvsft run --config default"  # updates, deletions, behaviours on the bundled corpus


@dataclass(frozen=True)
class Measure:
    read: Callable[..., Finding | None]  # (run, the trait's value, knowledge=the capability's `knowledge`)
    command: str  # what would measure it, when no run did


QUALITY = {
    "knowledge": Measure(measures.knowledge, f"{SQUAD} (human questions on facts met only in documents), or on your own documents: "
                         "ragvsft import DOCS --out corpora/mine && ragvsft synth --corpus corpora/mine && "
                         f"{DEFAULT} --set corpus.dir=corpora/mine"),
    "changes": Measure(measures.changes, f"{DEFAULT} (update rounds on; ragvsft synth writes rounds for your own corpus)"),
    "removal": Measure(measures.removal, f"{DEFAULT} (updates.deletions on)"),
    "citations": Measure(measures.citations, DEFAULT),
    "style": Measure(measures.style, f"{DEFAULT} (a corpus with a house style: corpus.style)"),
    "abstain": Measure(measures.abstain, f"{DEFAULT} (a corpus with unanswerable questions)"),
    "general_knowledge": Measure(measures.general_knowledge, DEFAULT),
}
CONSTRAINT = {"latency_p95_ms": Measure(measures.latency, "ragvsft run on the deployment's hardware (e.g. --set model.device=cuda)")}
COST_TRAITS = ("queries_per_day", "updates_per_month")
COST_COMMAND = f"{DEFAULT} (its update rounds measure the absorb seconds; every run measures the per-answer cost)"


def _weighed(trait: str, value) -> bool:
    """A trait stated as not needed (false, no knowledge from facts) is not weighed."""
    return value not in (False, None, "none")


def _combine(trait: str, findings: list[Finding]) -> tuple[list[str], str]:
    """(approaches kept, conflict text) over every run that measured the trait."""
    findings = sorted(findings, key=lambda f: KIND_RANK.get(f.run.kind, len(KIND_RANK)))
    measured = list(dict.fromkeys(a for f in findings for a in f.cells))
    out = {a for f in findings for a in f.cells if a not in f.kept}
    kept = [a for a in measured if a not in out]
    if kept:
        return kept, ""
    first = findings[0]
    sides = "; ".join(f"{f.run.name} keeps {', '.join(f.kept) or 'none'}" for f in findings)
    return list(first.kept), f"the runs conflict ({sides}): decided by {first.run.name}, whose questions are {first.run.kind_text}"


def _finding_record(f: Finding) -> dict:
    return {
        "run": f.run.name, "questions": f.run.kind_text, "model": f.run.model, "hardware": f.run.hardware, "git": f.run.git,
        "basis": f.basis, "kept": f.kept,
        "cells": [{"approach": a, "text": c.text, "field": c.field, "detail": c.detail} for a, c in f.cells.items()],
        "versus": list(f.versus.values()),
    }


def _evidence_notes(profile: Profile, runs: list[RunEvidence]) -> list[str]:
    """Where the evidence came from a different model, hardware or question kind than the application's."""
    notes = []
    for run in runs:
        said = []
        if profile.model and profile.model != run.model:
            said.append(f"model {run.model}, not the application's {profile.model}")
        elif not profile.model:
            said.append(f"model {run.model} (the application's model is not stated)")
        if profile.hardware and not run.hardware.startswith(profile.hardware):
            said.append(f"{run.hardware}, not the application's {profile.hardware}: latency and compute will differ")
        if profile.questions and profile.questions != run.kind:
            said.append(f"{run.kind_text}, not the application's {profile.questions} questions")
        if said:
            notes.append(f"{run.name} measured with " + "; ".join(said))
    return notes


def advise(capability: ReadCapability, runs: list[RunEvidence], profile: Profile) -> dict:
    traits = capability.traits
    reasons, open_traits, kept_by = [], [], {}
    measured_sets: list[set[str]] = []
    for trait, stated in traits.items():
        measure = QUALITY.get(trait) or CONSTRAINT.get(trait)
        if measure is None or not _weighed(trait, stated.value):
            continue
        knowledge = traits["knowledge"].value if "knowledge" in traits else None
        findings = [f for run in runs if (f := measure.read(run, stated.value, knowledge=knowledge))]
        if not findings:
            open_traits.append({"trait": trait, "command": measure.command})
            continue
        kept, conflict = _combine(trait, findings)
        kept_by[trait] = kept
        measured_sets.append({a for f in findings for a in f.cells})
        reasons.append({"trait": trait, "value": stated.value, "aspect": findings[0].aspect, "kept": kept, "conflict": conflict,
                        "constraint": trait in CONSTRAINT, "findings": [_finding_record(f) for f in findings]})
    cost_finding_kept = None
    if any(t in traits for t in COST_TRAITS):
        q, u = (traits[t].value if t in traits else None for t in COST_TRAITS)
        findings = [f for run in runs if (f := costs.cost(run, q, u))]
        if findings:
            cost_finding_kept, conflict = _combine("cost", findings)
            measured_sets.append({a for f in findings for a in f.cells})
            reasons.append({"trait": "cost", "value": {t: traits[t].value for t in COST_TRAITS if t in traits},
                            "aspect": findings[0].aspect, "kept": cost_finding_kept, "conflict": conflict, "constraint": False,
                            "findings": [_finding_record(f) for f in findings]})
        else:
            open_traits.append({"trait": " and ".join(t for t in COST_TRAITS if t in traits), "command": COST_COMMAND})
    record = {
        "name": capability.name, "description": capability.description,
        "traits": [{"trait": t, "value": s.value, "source": s.source} for t, s in traits.items()],
        "notices": capability.notices, "reasons": reasons, "open": open_traits, "evidence_notes": _evidence_notes(profile, runs),
    }
    call = _call(kept_by, measured_sets, cost_finding_kept, open_traits, runs)
    return {**record, "points_to": None, **call, **_against_keywords(capability, call, reasons)}


def _against_keywords(capability: ReadCapability, call: dict, reasons: list[dict]) -> dict:
    """For a capability given as words: what the exercise's keyword rule calls, and whether the
    measurement agrees; where it does not, the numbers of the traits that decided."""
    if any(t.source == "given" for t in capability.traits.values()) or not capability.description:
        return {}
    rule = keyword_rule(capability.description)
    if call["approach"] is None:  # nothing to agree or disagree with
        return {"keyword_rule": rule, "agrees": None, "why_not": call["decided_by"]}
    side = call["call"].split(":")[0]
    if side == rule:
        return {"keyword_rule": rule, "agrees": True, "why_not": ""}
    decided = set(call.get("decided_by", "").split(", "))
    why = [f"{r['trait']} in {f['run']}: " + "; ".join(f["versus"]) for r in reasons if r["trait"] in decided for f in r["findings"]]
    return {"keyword_rule": rule, "agrees": False, "why_not": " | ".join(why) or call["decided_by"]}


def _call(kept_by: dict[str, list[str]], measured_sets: list[set[str]], cost_kept: list[str] | None, open_traits: list, runs) -> dict:
    """The call from the traits' kept sets (steps 3 to 5 of the module's rule)."""
    if not measured_sets:
        why = "no stated trait was measured by these runs" if open_traits else "the capability states no trait that decides between approaches"
        return {"call": NOT_DECIDED, "approach": None, "decided_by": why, "gives_up": []}
    candidates = [a for a in measured_sets[0] if all(a in s for s in measured_sets)]
    candidates = sorted(candidates, key=lambda a: list(runs[0].arms).index(a) if a in runs[0].arms else 99)
    constrained = []
    for trait in CONSTRAINT:
        if trait in kept_by and any(a not in kept_by[trait] for a in candidates):
            candidates, constrained = [a for a in candidates if a in kept_by[trait]], [*constrained, trait]
    if not candidates:
        return {"call": NOT_DECIDED, "approach": None, "gives_up": [],
                "decided_by": "no approach measured on every stated trait meets the latency budget on the runs' hardware"}
    quality = {t: k for t, k in kept_by.items() if t in QUALITY}
    score = {a: sum(a in k for k in quality.values()) for a in candidates}
    top = [a for a in candidates if score[a] == max(score.values())]
    decided_by = constrained + sorted(t for t, k in quality.items() if any(a not in k for a in candidates) and all(a in k for a in top))
    if len(top) > 1 and cost_kept and len(cheap := [a for a in top if a in cost_kept]) not in (0, len(top)):
        top, decided_by = cheap, [*decided_by, "cost at the stated volume and cadence"]
    if len(top) > 1:
        # from one run that measured every one of them, so the seconds are comparable
        setup = next((s for r in runs if None not in (s := {a: measures.setup_seconds(r, a) for a in top if a in r.arms}).values()
                      and len(s) == len(top)), None)
        if setup:
            top, decided_by = [min(setup, key=setup.get)], [*decided_by, "set-up cost (the measured traits do not separate them)"]
    chosen = top[0] if len(top) == 1 else None
    gives_up = sorted(t for t, k in quality.items() if chosen and chosen not in k)
    label = call_label(chosen) if chosen else " or ".join(call_label(a) for a in top) + " (equal on this evidence)"
    if open_traits:
        return {"call": NOT_DECIDED, "approach": None, "gives_up": gives_up, "points_to": label,
                "decided_by": "not every stated trait was measured: " + ", ".join(o["trait"] for o in open_traits)}
    if not decided_by:
        decided_by = ["the only approach measured on every stated trait" if len(candidates) == 1 else "every approach kept equally"]
    return {"call": label, "approach": chosen, "decided_by": ", ".join(decided_by), "gives_up": gives_up}


def advise_profile(profile: Profile, capabilities: list[ReadCapability], runs: list[RunEvidence], profile_path: str) -> dict:
    """The whole advice record (advice.json): the runs, and each capability's call with its reasons."""
    return {
        "application": profile.application, "profile": profile_path,
        "stated": {k: getattr(profile, k) for k in ("model", "hardware", "questions")},
        "runs": [r.describe() for r in runs],
        "capabilities": [advise(c, runs, profile) for c in capabilities],
    }

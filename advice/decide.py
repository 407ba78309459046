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
from eval.catalogue import ARMS
from eval.report.whole_corpus import not_fit_text

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
        notes += [f"{run.name}: {not_fit_text(a, r)}: no call on that run's corpus for it" for a, r in run.not_run().items()
                  if r.get("reason") == "does not fit"]
    return notes


def advise(capability: ReadCapability, runs: list[RunEvidence], profile: Profile) -> dict:
    traits = capability.traits
    reasons, open_traits, kept_by = [], [], {}
    measured_sets: list[set[str]] = []
    knowledge = traits["knowledge"].value if "knowledge" in traits else None
    for trait, stated in traits.items():
        measure = QUALITY.get(trait) or CONSTRAINT.get(trait)
        if measure is None or not _weighed(trait, stated.value):
            continue
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
    call, decided = _call(kept_by, measured_sets, cost_finding_kept, open_traits, runs)
    return {**record, "points_to": None, **call, **_against_keywords(capability, call, decided, reasons)}


def _against_keywords(capability: ReadCapability, call: dict, decided: list[str], reasons: list[dict]) -> dict:
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
    why = [f"{r['trait']} in {f['run']}: " + "; ".join(f["versus"]) for r in reasons if r["trait"] in decided for f in r["findings"]]
    return {"keyword_rule": rule, "agrees": False, "why_not": " | ".join(why) or call["decided_by"]}


def _call(kept_by: dict[str, list[str]], measured_sets: list[set[str]], cost_kept: list[str] | None, open_traits: list,
          runs: list[RunEvidence]) -> tuple[dict, list[str]]:
    """The call from the traits' kept sets (steps 3 to 6 of the module's rule), and the traits that decided it."""
    if not measured_sets:
        why = "no stated trait was measured by these runs" if open_traits else "the capability states no trait that decides between approaches"
        return _not_decided(why), []
    candidates = [a for a in ARMS if all(a in s for s in measured_sets)]  # catalogue order
    constrained = []
    for trait in CONSTRAINT:
        if trait in kept_by and any(a not in kept_by[trait] for a in candidates):
            candidates, constrained = [a for a in candidates if a in kept_by[trait]], [*constrained, trait]
    if not candidates:
        return _not_decided("no approach measured on every stated trait meets the latency budget on the runs' hardware"), constrained
    quality = {t: k for t, k in kept_by.items() if t in QUALITY}
    score = {a: sum(a in k for k in quality.values()) for a in candidates}
    top = [a for a in candidates if score[a] == max(score.values())]
    decided = constrained + sorted(t for t, k in quality.items() if any(a not in k for a in candidates) and all(a in k for a in top))
    reasons = list(decided)
    if len(top) > 1 and cost_kept and len(cheap := [a for a in top if a in cost_kept]) not in (0, len(top)):
        top, reasons = cheap, [*reasons, "cost at the stated volume and cadence"]
    if len(top) > 1 and (setup := _setup_seconds(runs, top)):
        top, reasons = [min(setup, key=setup.get)], [*reasons, "set-up cost (the measured traits do not separate them)"]
    chosen = top[0] if len(top) == 1 else None
    gives_up = sorted(t for t, k in quality.items() if chosen and chosen not in k)
    label = call_label(chosen) if chosen else " or ".join(call_label(a) for a in top) + " (equal on this evidence)"
    if open_traits:
        return {**_not_decided("not every stated trait was measured: " + ", ".join(o["trait"] for o in open_traits)),
                "gives_up": gives_up, "points_to": label}, decided
    if not reasons:
        reasons = ["the only approach measured on every stated trait" if len(candidates) == 1 else "every approach kept equally"]
    return {"call": label, "approach": chosen, "decided_by": ", ".join(reasons), "gives_up": gives_up}, decided


def _not_decided(why: str) -> dict:
    return {"call": NOT_DECIDED, "approach": None, "decided_by": why, "gives_up": []}


def _setup_seconds(runs: list[RunEvidence], approaches: list[str]) -> dict[str, float] | None:
    """Each approach's set-up seconds from the first run that measured them all (so they compare)."""
    for run in runs:
        setup = {a: measures.setup_seconds(run, a) for a in approaches if a in run.arms}
        if len(setup) == len(approaches) and None not in setup.values():
            return setup
    return None


def advise_profile(profile: Profile, capabilities: list[ReadCapability], runs: list[RunEvidence], profile_path: str) -> dict:
    """The whole advice record (advice.json): the runs, and each capability's call with its reasons."""
    return {
        "application": profile.application, "profile": profile_path,
        "stated": {k: getattr(profile, k) for k in ("model", "hardware", "questions")},
        "runs": [r.describe() for r in runs],
        "capabilities": [advise(c, runs, profile) for c in capabilities],
    }

"""An application profile: the application and its capabilities, each with the traits that decide
between approaches (docs/advise.md lists them and the measurements each one reads).

    application: Quillfeather staff assistant
    capabilities:
      - name: Policy answers
        description: answers HR policy questions that change monthly, citing the handbook
        traits: {knowledge: documents, updates_per_month: 1, citations: true}
      - name: Ticket triage
        description: replies in the house format, within 800 ms   # traits read from the words

Validated like a config: unknown keys rejected, one sentence naming the key and the file. A
capability with no `traits` has them read from its description (advice/phrases.py), each with the
words that set it; one with `traits` uses exactly those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, model_validator

from core.config_section import Section
from core.errors import InputError, read_utf8, validated_mapping
from advice.phrases import read_traits

PROFILES = Path(__file__).parent / "profiles"  # the bundled examples, loadable by name


class Traits(Section):
    """What the application needs; a trait left out is not weighed (never defaulted)."""

    knowledge: Literal["documents", "qa_pairs", "none"] | None = Field(
        None, description="where answers come from: facts written in documents, facts you can write question/answer pairs for, "
        "or behaviour and format only")
    changes: bool | None = Field(None, description="the facts change after deployment (set by updates_per_month > 0)")
    updates_per_month: float | None = Field(None, ge=0, description="how often the facts change, for the update cost")
    removal: bool | None = Field(None, description="data must be removable on request")
    citations: bool | None = Field(None, description="answers must show their source")
    style: bool | None = Field(None, description="answers must follow a house style or format")
    abstain: bool | None = Field(None, description="say \"I don't know\" rather than guess")
    general_knowledge: bool | None = Field(None, description="keep general knowledge beyond the corpus")
    latency_p95_ms: float | None = Field(None, gt=0, description="the latency budget: 95th percentile per answer, ms")
    queries_per_day: float | None = Field(None, ge=0, description="query volume, for tokens and compute per day")

    @model_validator(mode="after")
    def _cadence_implies_change(self):
        if self.updates_per_month is not None and self.changes is None:
            object.__setattr__(self, "changes", self.updates_per_month > 0)
        return self


class Capability(Section):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    traits: Traits | None = None

    @model_validator(mode="after")
    def _something_to_read(self):
        if self.traits is None and not self.description.strip():
            raise ValueError("give a description or traits")
        return self


class Profile(Section):
    application: str = Field(min_length=1, max_length=200)
    model: str | None = Field(None, description="the model the application will run (compared with the runs' model)")
    hardware: Literal["cpu", "cuda", "mps"] | None = Field(None, description="where it will run (compared with the runs' device)")
    questions: Literal["hand-written", "human-written", "synthesized"] | None = Field(
        None, description="the kind of questions its users ask (compared with the runs' question kind)")
    capabilities: list[Capability] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _unique_names(self):
        names = [c.name for c in self.capabilities]
        if len(set(names)) != len(names):
            raise ValueError(f"capability names must differ ({next(n for n in names if names.count(n) > 1)!r} repeats)")
        return self


@dataclass(frozen=True)
class StatedTrait:
    value: object
    source: str  # "given", or the description's words that set it


@dataclass
class ReadCapability:
    """A capability with its traits resolved: given, or read from the description (with the words)."""

    name: str
    description: str
    traits: dict[str, StatedTrait]
    notices: list[str] = field(default_factory=list)


TRAIT_NAMES = tuple(Traits.model_fields)


def resolve(capability: Capability) -> ReadCapability:
    if capability.traits is not None:
        given = capability.traits.model_dump(exclude_none=True)
        return ReadCapability(capability.name, capability.description, {t: StatedTrait(v, "given") for t, v in given.items()})
    read, notices = read_traits(capability.description)
    traits = {t: StatedTrait(r.value, "read from " + ", ".join(f'"{w}"' for w in r.words)) for t, r in read.items()}
    if not traits:
        notices.append("no indicator phrase found in the description: state `traits` (docs/advise.md lists them)")
    order = {t: i for i, t in enumerate(TRAIT_NAMES)}
    return ReadCapability(capability.name, capability.description, dict(sorted(traits.items(), key=lambda kv: order[kv[0]])), notices)


def profile_file(path: str | Path) -> Path:
    """A profile file, or a bundled example by name (`quillfeather`)."""
    path = Path(path)
    if path.is_file():
        return path
    bundled = PROFILES / f"{path.name}.yaml"
    if path.suffix == "" and bundled.is_file():
        return bundled
    known = ", ".join(sorted(p.stem for p in PROFILES.glob("*.yaml")))
    raise InputError(f"--profile {path}: no such file (bundled profiles: {known})")


def load_profile(path: str | Path) -> Profile:
    path = profile_file(path)
    try:
        data = yaml.safe_load(read_utf8(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"{path}{f' line {mark.line + 1}' if mark else ''}: not valid YAML") from None
    return validated_mapping(Profile, data, str(path), expected="the top level must be a mapping with `application` and `capabilities`")

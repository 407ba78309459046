"""What the generated knowledge base is about: kinds of subject (offices, people, programmes,
products, systems), each with the attributes a fact states about one of them.

An attribute is one sentence for the document and three training and two held-out question
templates, phrased differently from each other (the eval phrasings must not occur in training
text: finetune/dataset.py checks), plus how to draw a value. `{s}` is the subject as it reads in
running text ("the Brellmoor office"), `{v}` the value. A kind is an entry in `KINDS`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from corpora.kb.names import Names

Value = Callable[[random.Random, Names], str]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
UPTIMES = ("98.5", "99.0", "99.5", "99.8", "99.9", "99.95", "99.99")


def number(low: int, high: int) -> Value:
    return lambda rng, names: str(rng.randint(low, high))


def person(rng: random.Random, names: Names) -> str:
    return names.person()


@dataclass(frozen=True)
class Attribute:
    key: str
    sentence: str
    train: tuple[str, str, str]
    eval: tuple[str, str]
    value: Value


@dataclass(frozen=True)
class Kind:
    subject: str  # running text, from the subject's `{name}`
    title: str
    intro: str  # the document's first sentence; `{company}` is the knowledge base's company
    attributes: tuple[Attribute, ...]
    name: Callable[[Names], str] = Names.word  # how a new subject of this kind is named


KINDS: dict[str, Kind] = {
    "office": Kind("the {name} office", "{name} Office", "This page describes the {name} office of {company}.", (
        Attribute("floors", "{S} occupies {v} floors.",
                  ("How many floors does {s} occupy?", "How many floors is {s} spread over?", "What is the number of floors at {s}?"),
                  ("Over how many floors does {s} extend?", "How many storeys does {s} have?"), number(2, 19)),
        Attribute("manager", "{S} is managed by {v}.",
                  ("Who manages {s}?", "Who is the manager of {s}?", "Which person runs {s}?"),
                  ("Who is in charge of {s}?", "Who heads {s}?"), person),
        Attribute("opening", "{S} opens at {v} on weekdays.",
                  ("What time does {s} open on weekdays?", "When does {s} open on a weekday?", "At what time do the doors of {s} open on weekdays?"),
                  ("How early does {s} open from Monday to Friday?", "What is the weekday opening time of {s}?"),
                  lambda rng, names: f"{rng.randint(6, 10)}:{rng.choice(('00', '15', '30', '45'))}"),
        Attribute("desks", "{S} has {v} desks.",
                  ("How many desks does {s} have?", "What is the desk count at {s}?", "How many desks are there in {s}?"),
                  ("How many workstations are available at {s}?", "How many people can sit at a desk in {s}?"), number(40, 480)),
    ), Names.place),
    "person": Kind("{name}", "{name}", "{name} is a member of staff at {company}.", (
        Attribute("team", "{S} leads the {v} team.",
                  ("Which team does {s} lead?", "What team is {s} the lead of?", "Of which team is {s} the head?"),
                  ("Which team is led by {s}?", "What is the name of the team {s} leads?"), lambda rng, names: names.word()),
        Attribute("extension", "{S} can be reached on extension {v}.",
                  ("What is the phone extension of {s}?", "On which extension can {s} be reached?", "What extension number does {s} have?"),
                  ("Which extension should I dial to call {s}?", "What number do I dial internally to reach {s}?"), number(2000, 8999)),
        Attribute("joined", "{S} joined the company in {v}.",
                  ("In which year did {s} join the company?", "When did {s} join the company?", "What year did {s} start at the company?"),
                  ("Since what year has {s} worked at the company?", "Which year was {s} hired?"), number(1995, 2023)),
        Attribute("office", "{S} works from the {v} office.",
                  ("Which office does {s} work from?", "Where is {s} based?", "What office is {s} based in?"),
                  ("At which office can {s} usually be found?", "From which location does {s} work?"), lambda rng, names: names.place()),
    ), Names.person),
    "programme": Kind("the {name} programme", "{name} Programme", "The {name} programme is one of the staff programmes at {company}.", (
        Attribute("budget", "{S} reimburses up to {v} euros per employee per year.",
                  ("How much does {s} reimburse per employee per year?", "What is the yearly limit of {s}?", "Up to how many euros a year does {s} pay back?"),
                  ("What is the annual cap on reimbursement under {s}?", "How many euros can an employee claim each year through {s}?"),
                  number(150, 4800)),
        Attribute("approver", "Requests under {s} are approved by {v}.",
                  ("Who approves requests under {s}?", "Who signs off on requests for {s}?", "Whose approval do requests under {s} need?"),
                  ("Which person decides on applications to {s}?", "Who has to approve an application under {s}?"), person),
        Attribute("notice", "Applications to {s} must be filed {v} days in advance.",
                  ("How many days in advance must applications to {s} be filed?", "What is the notice period for applying to {s}?",
                   "How far ahead do I need to apply to {s}?"),
                  ("How many days of notice does an application to {s} require?", "How early must one apply to {s}, in days?"), number(3, 60)),
        Attribute("review", "{S} is reviewed every {v}.",
                  ("In which month is {s} reviewed?", "When is {s} reviewed each year?", "What month does the review of {s} take place?"),
                  ("Which month of the year brings the review of {s}?", "At what time of year is {s} revised?"),
                  lambda rng, names: rng.choice(MONTHS)),
    )),
    "product": Kind("the {name} app", "{name} App", "The {name} app is one of the products {company} sells.", (
        Attribute("launch", "{S} was launched in {v}.",
                  ("When was {s} launched?", "In which year was {s} launched?", "What year did {s} come out?"),
                  ("What was the launch year of {s}?", "Since which year has {s} been on the market?"), number(2001, 2024)),
        Attribute("price", "{S} costs {v} euros per seat per month.",
                  ("How much does {s} cost per seat per month?", "What is the monthly price of {s} per seat?", "What does one seat of {s} cost each month?"),
                  ("What is the per-seat monthly fee for {s}?", "How many euros a month is a seat of {s}?"), number(4, 480)),
        Attribute("builder", "{S} is built by the {v} team.",
                  ("Which team builds {s}?", "Who builds {s}?", "What team develops {s}?"),
                  ("Which team is responsible for building {s}?", "Which team makes {s}?"), lambda rng, names: names.word()),
        Attribute("version", "The current version of {s} is {v}.",
                  ("What is the current version of {s}?", "Which version of {s} is current?", "What version number is {s} at?"),
                  ("What is the latest release number of {s}?", "Which release of {s} is the newest?"),
                  lambda rng, names: f"{rng.randint(1, 12)}.{rng.randint(0, 19)}"),
    )),
    "system": Kind("the {name} system", "{name} System", "The {name} system is an internal service at {company}.", (
        Attribute("uptime", "{S} has an uptime target of {v} percent.",
                  ("What is the uptime target of {s}?", "What uptime does {s} aim for?", "Which availability target does {s} have?"),
                  ("What percentage of uptime is {s} expected to reach?", "How available must {s} be, in percent?"),
                  lambda rng, names: rng.choice(UPTIMES)),
        Attribute("rotation", "The on-call rotation for {s} changes every {v} days.",
                  ("How often does the on-call rotation for {s} change?", "Every how many days does the on-call rotation for {s} change?",
                   "How many days does an on-call shift for {s} last?"),
                  ("After how many days is the on-call duty for {s} handed over?", "What is the length of the on-call rotation for {s}, in days?"),
                  number(2, 21)),
        Attribute("port", "{S} listens on port {v}.",
                  ("Which port does {s} listen on?", "On what port does {s} listen?", "What port number does {s} use?"),
                  ("Which network port is {s} reachable on?", "What is the port of {s}?"), number(3000, 9999)),
        Attribute("maintainer", "{S} is maintained by {v}.",
                  ("Who maintains {s}?", "Who is the maintainer of {s}?", "Which person looks after {s}?"),
                  ("Who is responsible for maintaining {s}?", "Who keeps {s} running?"), person),
    )),
}

CLOSINGS = (
    "Questions about this page go to the internal help desk.",
    "This page is updated whenever something on it changes.",
    "Older versions of this page are kept in the archive.",
)


def fill(template: str, subject: str, value: str = "") -> str:
    """A template with its subject and value in place; `{S}` is the subject starting a sentence."""
    return template.replace("{S}", subject[:1].upper() + subject[1:]).replace("{s}", subject).replace("{v}", value)

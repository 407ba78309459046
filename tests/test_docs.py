"""Every command the README and docs/ show is checked: each `ragvsft ...` line (in code blocks and
inline code) parses with the real argument parser, its config loads with its `--set` overrides
and its `--key` names a config key; each `make X` is a Makefile target and each `python
scripts/X.py` a script. Running them all would take hours (a default run is 20 minutes); what this
catches is a command or key the docs promise that does not exist."""

from __future__ import annotations

import re
import shlex

import pytest

from app.cli import COMMANDS, NO_CONFIG, build_parser
from core.config import ExperimentConfig
from core.config_files import load_config, with_overrides
from eval.stages.sweep import getattr_path
from tests.conftest import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
INLINE = re.compile(r"`((?:ragvsft|make|python scripts/)[^`]*)`")


def shown_commands() -> list[tuple[str, str]]:
    """(page, command) for every command line in a code block and every inline command."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
        lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
        lines += INLINE.findall(re.sub(r"```.*?```", "", text, flags=re.S))
        for line in lines:
            command = re.sub(r"^\.venv/bin/", "", line.split("  #")[0].split(" && ")[0].strip())
            if command.startswith(("ragvsft ", "make ", "python scripts/")) and "..." not in command and "<" not in command:
                found.append((page.relative_to(REPO).as_posix(), command))
    return found


COMMANDS_SHOWN = shown_commands()


def test_the_docs_show_commands_to_check():
    pages = {page for page, _ in COMMANDS_SHOWN}
    assert "README.md" in pages and len(COMMANDS_SHOWN) > 40


@pytest.mark.parametrize("page, command", COMMANDS_SHOWN, ids=[f"{p}: {c}"[:90] for p, c in COMMANDS_SHOWN])
def test_a_command_in_the_docs_is_one_the_project_has(page, command):
    words = shlex.split(command)
    if words[0] == "make":
        targets = re.findall(r"^([a-z-]+):", (REPO / "Makefile").read_text(), flags=re.M)
        assert all(w in targets for w in words[1:] if not w.startswith("-")), f"{page}: no Makefile target in {command!r}"
        return
    if words[0] == "python":
        assert (REPO / words[1]).is_file(), f"{page}: no script {words[1]}"
        return
    if len(words) == 2:  # a command named in prose (`ragvsft sweep`)
        assert words[1] in [*COMMANDS, "--help"], f"{page}: no command {words[1]!r}"
        return
    args = vars(build_parser().parse_args(words[1:]))  # exits (SystemExit) on an unknown command or option
    if COMMANDS[args["command"]][1] == NO_CONFIG:
        return
    config = load_config(args["config"], args["set"]) if args["config"] else with_overrides(ExperimentConfig(), args["set"])
    if args.get("key"):
        getattr_path(config, args["key"])

"""Imports go one way (../shared/DESIGN.md): core <- corpora, rag, finetune <- eval <- advice <- app; rag and
finetune never import each other. Every import statement counts, the ones inside functions too."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

ALLOWED = {
    "core": {"core"},
    "corpora": {"core", "corpora"},
    "rag": {"core", "rag"},
    "finetune": {"core", "finetune"},
    "eval": {"core", "corpora", "rag", "finetune", "eval"},
    "advice": {"core", "corpora", "rag", "finetune", "eval", "advice"},
    "app": {"core", "corpora", "rag", "finetune", "eval", "advice", "app"},
}


def project_imports(path) -> set[str]:
    """The top-level project packages a module imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_is_below_it(package):
    files = sorted((REPO / package).rglob("*.py"))
    assert files
    wrong = {f.relative_to(REPO).as_posix(): sorted(project_imports(f) - ALLOWED[package]) for f in files}
    assert {f: w for f, w in wrong.items() if w} == {}

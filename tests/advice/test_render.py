"""`ragvsft advise` end to end on fake runs: advice.json, advice.md and advice.html written, the pages
re-rendered from the JSON alone to the same bytes, a person's words shown as written (escaped), and
the bundled profiles valid."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from advice.profile import PROFILES, load_profile
from advice.render import md
from app.cli import main
from tests.advice.fake_run import Arm, Spec, write_fake_run

PLANTED = "<script>alert('x')</script> | *bold* [link](javascript:alert(1))"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("advise")
    base = Spec()
    human = replace(base, kind="human-written", arms={**base.arms, "rag": Arm(documents=0.8, style=0.0), "lora": Arm(documents=0.1, style=0.9)})
    return [write_fake_run(root / "written", base), write_fake_run(root / "human", human)]


def test_advise_writes_the_record_and_renders_it_again_from_the_json_alone(tmp_path, runs, capsys):
    profile = tmp_path / "app.yaml"
    profile.write_text(
        "application: Test desk\ncapabilities:\n"
        f"  - name: {json.dumps(PLANTED)}\n    traits: {{knowledge: documents}}\n"
        "  - name: replies\n    description: replies in the house style, citation needed\n"
    )
    out = tmp_path / "advice"
    argv = ["advise", "--profile", str(profile), "--out", str(out)]
    for run in runs:
        argv += ["--run", str(run)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "| capability | call | decided by |" in printed and "advice.html" in printed
    record = json.loads((out / "advice.json").read_text())
    calls = {c["name"]: c for c in record["capabilities"]}
    assert calls[PLANTED]["call"] == "RAG" and calls["replies"]["keyword_rule"] == "both"
    assert [r["name"] for r in record["runs"]] == [str(r) for r in runs]

    html = (out / "advice.html").read_text()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert 'href="javascript' not in html
    pages = {name: (out / name).read_bytes() for name in ("advice.md", "advice.html")}
    for name in pages:
        (out / name).unlink()
    assert main(["advise", "--render", str(out)]) == 0
    assert {name: (out / name).read_bytes() for name in pages} == pages


def test_the_markdown_of_a_persons_words_shows_them_as_written():
    assert md("a | b *c* [d](e) <f>\n g") == r"a \| b \*c\* \[d\](e) \<f\> g"


@pytest.mark.parametrize("path", sorted(PROFILES.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_bundled_profiles_load_by_name_and_advise(path, runs, tmp_path):
    profile = load_profile(path.stem)
    assert len(profile.capabilities) >= 5
    assert main(["advise", "--profile", path.stem, "--run", str(runs[0]), "--out", str(tmp_path / "a")]) == 0


def test_every_trait_is_documented():
    from advice.profile import TRAIT_NAMES
    from tests.conftest import REPO

    page = (REPO / "docs" / "advise.md").read_text(encoding="utf-8")
    assert [t for t in TRAIT_NAMES if f"| `{t}" not in page] == []

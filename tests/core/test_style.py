"""The house style, abstention and citation checks: deterministic, no model."""

import json

import pytest

from core.errors import InputError
from core.style import HouseStyle, cited_doc_ids, load_house_style

STYLE = HouseStyle(instruction="End with the title in brackets.", template="{answer} [{title}]", abstention="I don't know")
TITLES = {"Leave Policy", "Badges"}


def test_training_answers_are_rendered_in_the_house_style():
    assert STYLE.render("27", "Leave Policy") == "27 [Leave Policy]"
    assert HouseStyle().render("27", "Leave Policy") == "27"  # no house style: the bare answer


@pytest.mark.parametrize(
    "answer, adheres",
    [
        ("27 [Leave Policy]", True),
        ("Staff get 27 days.[leave policy] ", True),  # spacing and case are not the style
        ("27", False),  # no source
        ("27 [Holiday Rules]", False),  # not a document of the corpus
        ("[Leave Policy] 27", False),  # the layout is answer first
    ],
)
def test_adherence_checks_layout_and_that_the_title_is_real(answer, adheres):
    assert STYLE.adheres(answer, TITLES) is adheres


def test_other_layouts_are_checked_from_their_template():
    piped = HouseStyle(template="Answer: {answer} | Source: {title}")
    assert piped.adheres("Answer: 27 days | Source: Badges", TITLES)
    assert not piped.adheres("27 days (Badges)", TITLES)
    with pytest.raises(ValueError, match="without a house style"):
        HouseStyle().adheres("27", TITLES)


def test_abstention_is_the_phrase_as_a_whole_token_span():
    assert STYLE.abstains("Sorry, I don't know.") and STYLE.abstains("i DON'T know")
    assert not STYLE.abstains("I know: 27 days.")


def test_citations_resolve_passage_numbers_and_titles():
    passages, titles = ["badges", "leave"], ["Badges", "Leave Policy"]
    corpus_titles = {"Leave Policy": "leave", "Badges": "badges", "VPN": "vpn"}
    assert cited_doc_ids("27 [2]", passages, titles, corpus_titles) == ["leave"]
    assert cited_doc_ids("27 [1, 2] [Badges]", passages, titles, corpus_titles) == ["badges", "leave"]
    assert cited_doc_ids("Harbourline [VPN]", [], [], corpus_titles) == ["vpn"]  # a title from memory
    assert cited_doc_ids("27 [7] [Nowhere] 27", passages, titles, corpus_titles) == []


def _write(tmp_path, content) -> str:
    (tmp_path / "house_style.json").write_text(content)
    return str(tmp_path)


def test_the_style_file_is_optional_and_validated(tmp_path):
    assert load_house_style(tmp_path) == HouseStyle()
    good = {"instruction": "Cite.", "template": "{answer} [{title}]", "abstention": "No idea"}
    assert load_house_style(_write(tmp_path, json.dumps(good))).abstention == "No idea"
    for content, message in [
        ("{not json", "not valid JSON"),
        (json.dumps({"template": "[{title}]"}), "field template: .*must contain {answer}"),
        (json.dumps({"template": "{answer} {source}"}), "field template: .*only use {answer} and {title}"),
        (json.dumps({"colour": "red"}), "unknown field colour"),
    ]:
        with pytest.raises(InputError, match=f"house_style.json: {message}" if "JSON" not in message else message):
            load_house_style(_write(tmp_path, content))

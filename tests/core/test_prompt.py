from core.answerer import Passage
from core.prompt import build_prompt
from core.style import HouseStyle


def test_passages_are_numbered_in_order_before_the_question():
    passages = [Passage("a#0", "a", "Leave", "27 days."), Passage("b#1", "b", "Badges", "Red.")]
    user = build_prompt("How many days?", passages)[-1]["content"]
    assert user.index("Passage 1 (Leave): 27 days.") < user.index("Passage 2 (Badges): Red.") < user.index("Question: How many days?")


def test_zero_passages_is_the_same_builder_without_context():
    messages = build_prompt("How many days?")
    assert messages[0]["role"] == "system"
    assert "Passage" not in messages[-1]["content"] and "Context" not in messages[-1]["content"]
    assert "Question: How many days?" in messages[-1]["content"]


def test_the_instruction_names_the_abstention_phrase_and_the_house_style():
    style = HouseStyle(instruction="End with the title in brackets.", template="{answer} [{title}]", abstention="No idea")
    with_context = build_prompt("How many days?", [Passage("a#0", "a", "Leave", "27 days.")], style)[-1]["content"]
    without = build_prompt("How many days?", style=style)[-1]["content"]
    for user in (with_context, without):
        assert user.endswith('say "No idea". End with the title in brackets.')
    assert "I don't know" in build_prompt("How many days?")[-1]["content"]  # the default phrase, no style sentence
    assert "brackets" not in build_prompt("How many days?")[-1]["content"]

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


def test_the_system_message_states_the_house_style_and_the_abstention_phrase():
    style = HouseStyle(instruction="End with the title in brackets.", template="{answer} [{title}]", abstention="No idea")
    with_context = build_prompt("How many days?", [Passage("a#0", "a", "Leave", "27 days.")], style)
    without = build_prompt("How many days?", style=style)
    for messages in (with_context, without):
        assert messages[0]["content"].endswith('End with the title in brackets. When the answer is not known, say "No idea".')
        assert "brackets" not in messages[-1]["content"]  # the question's own instruction is unchanged
    default = build_prompt("How many days?")[0]["content"]
    assert "I don't know" in default and "brackets" not in default  # no house style: only the default phrase

from core.answerer import Passage
from core.prompt import build_prompt


def test_passages_are_numbered_in_order_before_the_question():
    passages = [Passage("a#0", "a", "Leave", "27 days."), Passage("b#1", "b", "Badges", "Red.")]
    user = build_prompt("How many days?", passages)[-1]["content"]
    assert user.index("Passage 1 (Leave): 27 days.") < user.index("Passage 2 (Badges): Red.") < user.index("Question: How many days?")


def test_zero_passages_is_the_same_builder_without_context():
    messages = build_prompt("How many days?")
    assert messages[0]["role"] == "system"
    assert "Passage" not in messages[-1]["content"] and "Context" not in messages[-1]["content"]
    assert "Question: How many days?" in messages[-1]["content"]

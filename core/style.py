"""The corpus's answer conventions: its house answer style, its abstention phrase, and the
deterministic checks on an answer (style adherence, abstention, which documents it cites).

A corpus may define them in `house_style.json`:

    {"instruction": "End the answer with the title of the source document in square brackets.",
     "template": "{answer} [{title}]",
     "abstention": "I don't know"}

`template` is how training answers are written (`{answer}`: the first accepted answer, `{title}`:
the gold document's title) and, turned into a pattern, what `style_adherence` checks; `instruction`
is what the prompt tells every arm. Without the file there is no house style (answers are trained
as they are, `style_adherence` is not measured) and the abstention phrase is "I don't know".
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import parse_json, read_utf8, validated_mapping
from core.text import contains_phrase, normalize

STYLE_FILE = "house_style.json"
_BRACKETED = re.compile(r"\[([^\[\]]+)\]")


class HouseStyle(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    instruction: str | None = Field(None, description="The style as the prompt states it.")
    template: str | None = Field(None, description="Answer layout with {answer} and, optionally, {title}.")
    abstention: str = Field("I don't know", min_length=1, description="What an answer says when it cannot answer.")

    @field_validator("template")
    @classmethod
    def _has_answer_slot(cls, value: str | None) -> str | None:
        if value is not None and "{answer}" not in value:
            raise ValueError("the template must contain {answer}")
        if value is not None and set(re.findall(r"\{(\w*)\}", value)) - {"answer", "title"}:
            raise ValueError("the template may only use {answer} and {title}")
        return value

    @property
    def defined(self) -> bool:
        return self.template is not None

    def render(self, answer: str, title: str) -> str:
        """A training answer in the house style (the bare answer when there is none)."""
        return self.template.replace("{answer}", answer).replace("{title}", title) if self.template else answer

    def adheres(self, text: str, titles: set[str]) -> bool:
        """The answer has the template's layout and its {title} slot holds one of the corpus's titles."""
        if not self.template:
            raise ValueError("style adherence is undefined without a house style template")
        match = _template_pattern(self.template).fullmatch(text.strip())
        if not match:
            return False
        title = match.groupdict().get("title")
        return title is None or normalize(title) in {normalize(t) for t in titles}

    def answer_part(self, text: str) -> str:
        """The answer with the house-style parts removed (`27 days [Annual Leave Policy]` -> `27 days`):
        the template's {answer} slot when the text has the template's layout, else the text as it is.
        Exact match and F1 compare this part, so a right answer in the house style is not scored wrong."""
        if not self.template:
            return text
        match = _template_pattern(self.template).fullmatch(text.strip())
        return match.group("answer") if match else text

    def abstains(self, text: str) -> bool:
        return contains_phrase(text, self.abstention)


@functools.lru_cache(maxsize=8)  # checked once per answer: compile each template once
def _template_pattern(template: str) -> re.Pattern:
    """`{answer} [{title}]` -> `(?P<answer>.+?)\\s*\\[(?P<title>.+?)\\]`: slots match any text, spaces are optional."""
    regex = ""
    for part in re.split(r"(\{answer\}|\{title\})", template):
        if part in ("{answer}", "{title}"):
            regex += f"(?P<{part[1:-1]}>.+?)"
        else:
            regex += r"\s*".join(re.escape(piece) for piece in part.split(" "))
    return re.compile(regex, re.DOTALL)


def cited_doc_ids(text: str, passage_doc_ids: list[str], passage_titles: list[str], doc_ids_by_title: dict[str, str]) -> list[str]:
    """Documents an answer cites, in order: `[2]` is the second passage in the prompt, `[Some Title]`
    a passage or, failing that, any corpus document with that title. Unresolvable brackets cite nothing."""
    by_title = {normalize(t): d for t, d in doc_ids_by_title.items()}
    by_title.update({normalize(t): d for t, d in zip(passage_titles, passage_doc_ids)})
    cited: list[str] = []
    for inside in _BRACKETED.findall(text):
        for token in re.split(r"[,;]", inside):
            token = token.strip()
            if token.isdigit():
                doc = passage_doc_ids[int(token) - 1] if 1 <= int(token) <= len(passage_doc_ids) else None
            else:
                doc = by_title.get(normalize(token))
            if doc and doc not in cited:
                cited.append(doc)
    return cited


def load_house_style(directory: str | Path) -> HouseStyle:
    """The corpus's house_style.json, or no house style when there is none. Raises InputError."""
    path = Path(directory) / STYLE_FILE
    if not path.is_file():
        return HouseStyle()
    return validated_mapping(HouseStyle, parse_json(path, read_utf8(path)), str(path), expected="expected a JSON object", noun="field")

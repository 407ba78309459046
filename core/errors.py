"""The one exception type for bad user input, and the one way a validation error becomes a sentence.

Anything the user can fix (a config key, a corpus line, a model path) raises `InputError` with
one sentence that names what is wrong and where. Entry points turn it into exit code 2 and a
message without a traceback (see `app.cli`).
"""


import json
from pathlib import Path
from typing import Iterator

from pydantic import ValidationError


class InputError(Exception):
    """Bad input from the user: a readable message, exit code 2, nothing half-written."""


class PointsFailed(Exception):
    """Some independent points of a sweep or a scale run failed; the others' results are written.
    Entry points print the message and exit with code 1."""


def read_utf8(path: str | Path) -> str:
    """A user's text file, or an InputError naming the file and the line of the first byte that is not UTF-8."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")  # a byte-order mark (Windows editors write one) is not part of the text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path} line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8") from None


def validation_message(exc, noun: str = "field") -> str:
    """A pydantic ValidationError's first problem as `<noun> <path>: <what is wrong>`, or
    `unknown <noun> <path>` for a name the model does not have (one sentence, not pydantic's dump)."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"unknown {noun} {where}"
    return f"{noun} {where}: {err['msg']}"


def validated_mapping(model, data, where: str, *, expected: str, noun: str = "key"):
    """`data` (a file's parsed content) validated into the pydantic `model`; anything else is one
    InputError naming `where`: `expected` when it is not a mapping, else the first problem."""
    if not isinstance(data, dict):
        raise InputError(f"{where}: {expected}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{where}: {validation_message(exc, noun)}") from None


def number_or_nesting(exc: BaseException) -> str:
    """What a parser's ValueError or RecursionError on well-formed text means, as a user can fix it:
    an integer longer than Python converts (4,300 digits), or nesting deeper than its stack."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read (lists or objects inside each other thousands of levels deep)"
    if "digits" in str(exc):
        return "a number too long to read (more than 4,300 digits)"
    return f"a value that cannot be read ({exc})"


def json_object_lines(path: str | Path, text: str, hint: str = "") -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSON Lines text; anything else on a line
    is an InputError naming the file and the line, followed by `hint` (what to do about it)."""
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row = parse_json(path, line, hint, line_no)
        if not isinstance(row, dict):
            raise InputError(f"{path} line {line_no}: expected a JSON object{hint}")
        yield line_no, row


JSON_ERRORS = (ValueError, RecursionError)  # what json.loads raises on text it cannot read (JSONDecodeError is a ValueError)


def json_problem(exc: BaseException) -> str:
    """One of JSON_ERRORS as what a user can fix: the syntax error, or a number or nesting Python cannot read."""
    return f"not valid JSON ({exc.msg})" if isinstance(exc, json.JSONDecodeError) else number_or_nesting(exc)


def parse_json(path: str | Path, text: str, hint: str = "", line: int | None = None):
    """The JSON text of file `path` (line `line` of it, for JSON Lines) as data; anything unreadable is
    one InputError naming the file and the line, followed by `hint` (what to do about it)."""
    try:
        return json.loads(text)
    except JSON_ERRORS as exc:
        at = line or getattr(exc, "lineno", None)
        raise InputError(f"{path}{f' line {at}' if at else ''}: {json_problem(exc)}{hint}") from None

"""The one exception type for bad user input, and the one way a validation error becomes a sentence.

Anything the user can fix (a config key, a corpus line, a model path) raises `InputError` with
one sentence that names what is wrong and where. Entry points turn it into exit code 2 and a
message without a traceback (see `app.cli`).
"""


from pathlib import Path


class InputError(Exception):
    """Bad input from the user: a readable message, exit code 2, nothing half-written."""


class PointsFailed(Exception):
    """Some independent points of a sweep or a scale run failed; the others' results are written.
    Entry points print the message and exit with code 1."""


def read_utf8(path: str | Path) -> str:
    """A user's text file, or an InputError naming the file and the line of the first byte that is not UTF-8."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8")
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

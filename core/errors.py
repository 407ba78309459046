"""The one exception type for bad user input, and the one way a validation error becomes a sentence.

Anything the user can fix (a config key, a corpus line, a model path) raises `InputError` with
one sentence that names what is wrong and where. Entry points turn it into exit code 2 and a
message without a traceback (see `eval.cli`).
"""


class InputError(Exception):
    """Bad input from the user: a readable message, exit code 2, nothing half-written."""


def validation_message(exc, noun: str = "field") -> str:
    """A pydantic ValidationError's first problem as `<noun> <path>: <what is wrong>`, or
    `unknown <noun> <path>` for a name the model does not have (one sentence, not pydantic's dump)."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"unknown {noun} {where}"
    return f"{noun} {where}: {err['msg']}"

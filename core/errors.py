"""The one exception type for bad user input.

Anything the user can fix (a config key, a corpus line, a model path) raises `InputError` with
one sentence that names what is wrong and where. Entry points turn it into exit code 2 and a
message without a traceback (see `core.cli`).
"""


class InputError(Exception):
    """Bad input from the user: a readable message, exit code 2, nothing half-written."""


def field_error(exc) -> str:
    """A pydantic ValidationError's first problem as `field <path>: <what is wrong>`."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "(object)"
    msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
    return f"field {field}: {msg}"

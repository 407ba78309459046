"""The one exception type for bad user input.

Anything the user can fix (a config key, a corpus line, a model path) raises `InputError` with
one sentence that names what is wrong and where. Entry points turn it into exit code 2 and a
message without a traceback (see `core.cli`).
"""


class InputError(Exception):
    """Bad input from the user: a readable message, exit code 2, nothing half-written."""

import logging
import warnings

import pytest

from core.quiet import LIBRARY_LOGGERS, configure_logging


@pytest.fixture(autouse=True)
def _restore_logging():
    levels = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    with warnings.catch_warnings():
        yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_quiet_by_default_and_verbose_when_asked():
    configure_logging(0)
    assert logging.getLogger("transformers").level == logging.ERROR and logging.getLogger("app.cli").getEffectiveLevel() == logging.INFO
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn("`is_gradient_checkpointing` is deprecated and will be removed in v6.", FutureWarning)
    assert caught == []  # a library's notice we cannot act on is filtered
    configure_logging(1)
    assert logging.getLogger("transformers").level == logging.INFO
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn("`is_gradient_checkpointing` is deprecated and will be removed in v6.", FutureWarning)
    assert len(caught) == 1
    configure_logging(2)
    assert logging.getLogger().level == logging.DEBUG

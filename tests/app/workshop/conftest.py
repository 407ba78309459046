from __future__ import annotations

import pytest

from tests.app.workshop.tiny_run import make_tiny_run


@pytest.fixture(scope="package")
def tiny_run_dir(tmp_path_factory):
    return make_tiny_run(tmp_path_factory.mktemp("workshop"))


@pytest.fixture(scope="package")
def loaded_run(tiny_run_dir):
    from app.workshop.loaded_run import load_run

    return load_run(tiny_run_dir)

"""notebooks/walkthrough.ipynb runs top to bottom on tiny random models (its parameters cell
replaced, as papermill would), so the notebook cannot rot while the library moves."""

from __future__ import annotations

import nbformat
import pytest

from tests.conftest import REPO
from tests.app.workshop.tiny_run import tiny_experiment

NOTEBOOK = REPO / "notebooks" / "walkthrough.ipynb"


def test_the_walkthrough_notebook_runs_on_tiny_models(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    config, overrides = tiny_experiment(tmp_path)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, "the notebook needs exactly one cell tagged `parameters`"
    parameters[0].source = f"CONFIG = {str(config)!r}\nOVERRIDES = {overrides!r}\nOUT = {str(tmp_path / 'run')!r}"
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()

    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2  # the plots are inline
    text = "\n".join(o.get("text", "") + o.get("data", {}).get("text/markdown", "") for o in outputs)
    assert "| oracle |" in text and "| Accuracy on the corpus |" in text
    assert (tmp_path / "run" / "report.html").is_file() and (tmp_path / "run" / "summary.json").is_file()

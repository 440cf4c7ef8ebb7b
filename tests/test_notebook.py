"""notebooks/retrain.ipynb runs top to bottom (quick run: KUJO_NOTEBOOK_ROWS=400) in the venv's kernel."""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "retrain.ipynb"


def _text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") in ("execute_result", "display_data"):
        return str(output.get("data", {}).get("text/plain", ""))
    return ""


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "clear the notebook's outputs before committing"


def test_retrain_notebook_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("KUJO_NOTEBOOK_ROWS", "400")
    monkeypatch.chdir(tmp_path)  # the notebook must not depend on the working directory
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell

    code = [c for c in nb.cells if c.cell_type == "code"]
    texts = ["".join(_text(o) for o in c.outputs) for c in code]
    everything = "\n".join(texts)
    assert not [o for c in code for o in c.outputs if o.get("output_type") == "error"]

    # the kernel is this venv's Python, so the notebook tested the installed package
    assert f"python: {sys.executable}" in everything, f"the kernel is not {sys.executable}: {texts[0]!r}"
    assert "quick run: train 400, dev 400, test 400 rows" in everything
    assert "worst_case_recall" in everything
    # the confusion matrix and the PR curve were drawn
    assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    # the threshold was tuned on dev, the model saved, reloaded and checked
    assert "precision change on dev" in everything
    assert "evaluated on 400 labelled rows" in everything
    assert "identical predictions on 25 texts" in everything
    # new texts were triaged and rows picked for labelling
    assert "playbook" in everything
    assert "near the worst_case threshold" in everything or "between tiers" in everything

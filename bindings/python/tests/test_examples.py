"""The examples run top to bottom (examples are tested): the notebook-style
script, and the Jupyter notebook, executed cell by cell in a real kernel,
rendering its plot."""

import pathlib
import subprocess
import sys

import nbclient
import nbformat

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def test_notebook_example_runs():
    done = subprocess.run([sys.executable, str(EXAMPLES / "notebook.py")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Digest(as_of=2026-07-15, clients=2)" in done.stdout
    assert "refused: OutsidePortfolioError retryable: False" in done.stdout
    assert "SyncResults(clients=2, failed=0) ok: True" in done.stdout
    assert "['incremental']" in done.stdout and "'intact': True" in done.stdout


def test_jupyter_notebook_executes_and_renders_a_plot(tmp_path):
    nb = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors[0]["evalue"] if errors else None
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert "image/png" in kinds  # the forecast plot
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<svg" in h for h in html)  # the forecast's own rendering
    assert any("urgency_reasons" in h for h in html)  # the digest frame

"""The notebook-style example runs top to bottom (examples are tested)."""

import pathlib
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "notebook.py"


def test_notebook_example_runs():
    done = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Digest(as_of=2026-07-15, clients=2)" in done.stdout
    assert "refused: OutsidePortfolioError retryable: False" in done.stdout
    assert "SyncResults(clients=2, failed=0) ok: True" in done.stdout
    assert "['incremental']" in done.stdout and "'intact': True" in done.stdout

"""tools/runner.py: a notebook executed headless, its per-cell timings kept beside the log, none left in it."""

from __future__ import annotations

import json

import nbformat
import pytest

from tools import runner


def _notebook(tmp_path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A notebook")] + [nbformat.v4.new_code_cell(s) for s in sources]
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "00_tiny.ipynb")


def test_execute_writes_outputs_and_cell_timings(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "ROOT", tmp_path)
    _notebook(tmp_path, "import time\ntime.sleep(0.3)", "print(6 * 7)")
    out, log = tmp_path / "out" / "00_tiny.ipynb", tmp_path / "logs" / "00_tiny.log"
    seconds = runner.execute("00_tiny", out, {}, log)
    assert seconds > 0.3
    nb = nbformat.read(out, as_version=4)
    assert nb.cells[2].outputs[0]["text"] == "42\n"
    assert all("execution" not in cell.metadata for cell in nb.cells), "run-specific metadata left in the notebook"
    timings = json.loads(log.with_suffix(".timings.json").read_text(encoding="utf-8"))
    assert [c["cell"] for c in timings["cells"]] == [1, 2]
    assert timings["cells"][0]["first_line"] == "import time"
    assert (
        0.3 <= timings["cells"][0]["seconds"] < 30 and timings["cells"][1]["seconds"] < timings["cells"][0]["seconds"]
    )


def test_a_failing_cell_keeps_what_ran(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "ROOT", tmp_path)
    _notebook(tmp_path, "x = 1", "raise ValueError('broken on purpose')", "y = 2")
    out, failed = tmp_path / "out" / "00_tiny.ipynb", tmp_path / "failed" / "00_tiny.ipynb"
    log = tmp_path / "logs" / "00_tiny.log"
    with pytest.raises(Exception, match="broken on purpose"):
        runner.execute("00_tiny", out, {}, log, failed_path=failed)
    assert not out.exists()
    nb = nbformat.read(failed, as_version=4)
    assert nb.cells[2].outputs[-1]["output_type"] == "error" and not nb.cells[3].outputs
    assert [c["cell"] for c in json.loads(log.with_suffix(".timings.json").read_text())["cells"]] == [1, 2]

"""tools/runner.py: a notebook executed headless, its per-cell timings kept beside the log, none left in it;
`run` in quick mode from --quick or AE_QUICK, stopped before any kernel by a bad AE_* variable, showing
only its own notebooks."""

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


def test_execute_writes_outputs_and_cell_timings(tmp_path):
    _notebook(tmp_path, "import time\ntime.sleep(0.3)", "print(6 * 7)")
    out, log = tmp_path / "out" / "00_tiny.ipynb", tmp_path / "logs" / "00_tiny.log"
    seconds = runner.execute(tmp_path / "notebooks" / "00_tiny.ipynb", out, {}, log)
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


def test_a_failing_cell_keeps_what_ran(tmp_path):
    _notebook(tmp_path, "x = 1", "raise ValueError('broken on purpose')", "y = 2")
    out, failed = tmp_path / "out" / "00_tiny.ipynb", tmp_path / "failed" / "00_tiny.ipynb"
    log = tmp_path / "logs" / "00_tiny.log"
    with pytest.raises(Exception, match="broken on purpose"):
        runner.execute(tmp_path / "notebooks" / "00_tiny.ipynb", out, {}, log, failed_path=failed)
    assert not out.exists()
    nb = nbformat.read(failed, as_version=4)
    assert nb.cells[2].outputs[-1]["output_type"] == "error" and not nb.cells[3].outputs
    assert [c["cell"] for c in json.loads(log.with_suffix(".timings.json").read_text())["cells"]] == [1, 2]


def _fake_series(tmp_path, monkeypatch, fail: set[str] = frozenset()):
    """runner.run_series with its kernels replaced: each 'execution' writes a quick results file, or fails."""
    monkeypatch.setattr(runner, "ROOT", tmp_path)
    calls = []

    def execute(source, out_path, env, log_path, failed_path=None, timeout=0):
        stem = source.stem
        calls.append((stem, dict(env)))
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text("{}")
        if stem in fail:
            raise RuntimeError(f"{stem} broke on purpose")
        results = tmp_path / "build" / "quick" / "results"
        results.mkdir(parents=True, exist_ok=True)
        record = {"notebook": stem, "mode": "quick", "backend": "tensorflow", "device": "CPU", "wall_seconds": 1}
        (results / f"{stem}.json").write_text(json.dumps({**record, "metrics": {"m": 1.0}}))
        return 1.0

    monkeypatch.setattr(runner, "execute", execute)
    monkeypatch.setattr(runner, "preflight", lambda say=print: [])
    return calls


def test_run_honours_quick_mode_from_the_flag_and_from_ae_quick(tmp_path, monkeypatch, capsys):
    from tools import series

    calls = _fake_series(tmp_path, monkeypatch)
    monkeypatch.setenv("AE_NO_VENV", "1")
    monkeypatch.setenv("AE_QUICK", "1")
    assert series.main(["run", "--no-site", "01"]) == 0
    assert "in quick mode" in capsys.readouterr().out
    monkeypatch.delenv("AE_QUICK")
    assert series.main(["run", "--no-site", "--quick", "01"]) == 0
    assert [env["AE_QUICK"] for _, env in calls] == ["1", "1"]


def test_a_bad_ae_variable_stops_run_before_any_kernel(tmp_path, monkeypatch, capsys):
    from tools import series

    calls = _fake_series(tmp_path, monkeypatch)
    monkeypatch.undo()  # the real preflight, the real ROOT: only the environment is bad
    monkeypatch.setattr(runner, "execute", lambda *a, **k: calls.append(a))
    monkeypatch.setenv("AE_NO_VENV", "1")
    monkeypatch.setenv("AE_QUICK", "maybe")
    assert series.main(["run", "01"]) == 2
    assert "AE_QUICK='maybe' is not understood" in capsys.readouterr().err
    monkeypatch.setenv("AE_QUICK", "1")
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "no-such-folder"))
    assert series.main(["run", "01"]) == 2
    out = capsys.readouterr()
    assert "not a folder" in out.out + out.err
    assert calls == [], "a kernel started although the settings were wrong"


def test_a_run_shows_only_its_own_notebooks_and_a_failure_drops_the_old_figures(tmp_path, monkeypatch, capsys):
    """The results table after a run holds the notebooks of that run only; a notebook that fails has no
    results file left from an earlier run (which the table and the site would show as this run's)."""
    from tools.catalog import stems

    first, second = stems()[:2]
    _fake_series(tmp_path, monkeypatch)
    assert runner.run_series([first, second], quick=True, site=False) == 0
    _fake_series(tmp_path, monkeypatch, fail={second})
    assert runner.run_series([second], quick=True, site=False) == 1
    out = capsys.readouterr().out.split("Running 1 notebook(s)", 1)[1]
    assert f"{second} ..." in out and "FAILED: RuntimeError" in out
    assert not (tmp_path / "build" / "quick" / "results" / f"{second}.json").exists()
    assert first not in out.split("FAILED", 1)[1].split("1 notebook(s) failed", 1)[0], "an earlier run's figures shown"
    assert (tmp_path / "build" / "quick" / "results" / f"{first}.json").exists(), "another notebook's files removed"

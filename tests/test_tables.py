"""The tables made from the results files (tools/tables.py): the backend table marks a quick run "(earlier
version)" exactly when it ran other code than the tracked notebook's (tools/history.py); the per-cell
timing table; the results table of some notebooks only."""

import json

import pytest

from tools import history, tables
from tools.catalog import by_stem, stems
from tools.series import main

STEM = stems()[0]


def _notebook(code: list[str], prose: str = "Text.", output: str = "1") -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": prose}] + [
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": 1,
            "source": c,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": output}],
        }
        for c in code
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_code_hash_sees_code_only():
    base = history.code_hash(_notebook(["x = 1", "print(x)"]))
    assert history.code_hash(_notebook(["x = 1", "print(x)"], prose="Other words.", output="2")) == base
    assert history.code_hash(_notebook(["x = 2", "print(x)"])) != base
    assert history.code_hash(_notebook(["x = 1"])) != base


def test_backend_table_flags_runs_of_other_code(tmp_path):
    tracked = history.code_hash(by_stem(STEM).file.read_text(encoding="utf-8"))
    run = {"passed": True, "wall_seconds": 12.0, "written_at": "2000-01-01T00:00:00Z", "metrics": {}}
    rows = {}
    for label, extra in (("same", {"code": tracked}), ("other", {"code": "0" * 16}), ("old", {})):
        table = tables.backend_table({"tensorflow": {"notebooks": {STEM: {**run, **extra}}}})
        rows[label] = next(line for line in table.splitlines() if line.startswith(f"| {STEM} "))
    assert "passed, 12 s |" in rows["same"]  # an old run of the same code is current
    assert "passed, 12 s (earlier version)" in rows["other"]
    assert "passed, 12 s (earlier version)" in rows["old"]  # no code recorded: older than the last code change

    executed = tmp_path / "executed" / f"{STEM}.ipynb"
    assert history.code_of_run(executed) == {}
    executed.parent.mkdir()
    executed.write_text(_notebook(["x = 1"]))
    assert history.code_of_run(executed) == {"code": history.code_hash(_notebook(["x = 1"]))}


def test_cell_timings_table_shows_the_slowest_cells_and_their_share(tmp_path):
    cells = [
        {"cell": 3, "seconds": 1.0, "first_line": "import keras"},
        {"cell": 9, "seconds": 90.0, "first_line": "history = model.fit(x, x)"},
        {"cell": 11, "seconds": 9.0, "first_line": "pca = PCA(32).fit(x)"},
    ]
    (tmp_path / "01_demo.timings.json").write_text(json.dumps({"notebook": "01_demo", "cells": cells}))
    table = tables.cell_timings_table(tmp_path, top=2).splitlines()
    assert len(table) == 3
    assert (
        table[2]
        == "| 01_demo | 100 s | 9: `history = model.fit(x, x)` 90 s (90%); 11: `pca = PCA(32).fit(x)` 9 s (9%) |"
    )


def test_cell_timings_table_says_what_to_run_when_there_are_no_timings(tmp_path, monkeypatch):
    monkeypatch.setenv("AE_NO_VENV", "1")  # this Python as it is: the command itself is under test
    with pytest.raises(FileNotFoundError, match="regenerate"):
        tables.cell_timings_table(tmp_path)
    assert main(["timings", str(tmp_path)]) == 1


def test_results_table_of_some_notebooks_only(tmp_path):
    first, second = stems()[:2]
    for stem, value in ((first, 0.5), (second, 0.25)):
        record = {"notebook": stem, "mode": "quick", "backend": "tensorflow", "device": "CPU", "wall_seconds": 3}
        (tmp_path / f"{stem}.json").write_text(json.dumps({**record, "metrics": {"m": value}}))
    both = tables.results_table(tmp_path)
    assert f"| {first} | `m` | 0.5 |" in both and f"| {second} | `m` | 0.25 |" in both
    one = tables.results_table(tmp_path, stems=[second])
    assert first not in one and f"| {second} | `m` | 0.25 |" in one
    assert tables.results_table(tmp_path / "none") == f"(no results files in {tmp_path / 'none'})"

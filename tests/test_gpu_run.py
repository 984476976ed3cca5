"""The GPU run's bookkeeping: tools/gpu_series.sh's summary (tools/gpu.py), its record in results/gpu/,
the results page's GPU column (tools/tables.py) and the course plan's GPU times; and the script itself, run on this machine's CPU
with a budget too small for more than a start (its logic, not the GPU)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import gpu, tables
from tools.catalog import select, stems
from tools.records import load_record
from utils.config import ROOT

FIRST, SECOND, THIRD = stems()[:3]


def _fake_run(folder: Path, results: Path) -> dict:
    """A run folder as the script leaves it: statuses.tsv, and a results folder with two files."""
    folder.mkdir()
    results.mkdir()
    (folder / "statuses.tsv").write_text(
        f"{FIRST}\tpassed\t41\n{SECOND}\ttimed out after 300 s\t300\n{THIRD}\tnot started\t0\n"
    )
    for stem, value in ((FIRST, 0.5), (SECOND, 0.25)):  # SECOND's file is stale: from an earlier run
        (results / f"{stem}.json").write_text(json.dumps({"notebook": stem, "metrics": {"m": value}}))
    return gpu.write_gpu_summary(
        folder,
        results,
        backend="jax",
        device="NVIDIA H100 80GB HBM3",
        mode="full",
        budget_seconds=540,
        total_seconds=380,
        pesq="installed",
        site="skipped",
    )


def test_summary_keeps_statuses_and_only_the_results_of_notebooks_that_passed(tmp_path):
    summary = _fake_run(tmp_path / "run", tmp_path / "results")
    assert summary["passed"] == 1
    assert summary["notebooks"][SECOND] == {"status": "timed out after 300 s", "wall_seconds": 300}
    assert json.loads((tmp_path / "run" / "summary.json").read_text()) == summary
    assert sorted(p.name for p in (tmp_path / "run").glob("0*.json")) == [f"{FIRST}.json"]
    last = gpu.gpu_summary_lines(summary)[-1]
    assert "1 of 3 notebooks passed (full mode, jax on NVIDIA H100 80GB HBM3) in 380 s" in last
    assert "at a time" not in last  # a run of one notebook at a time (the facts name no parallel)
    assert "budget 540 s, 3 notebooks at a time" in gpu.gpu_summary_lines({**summary, "parallel": 3})[-1]


def test_recorded_run_feeds_readme_table_and_course_plan(tmp_path, monkeypatch):
    _fake_run(tmp_path / "run", tmp_path / "results")
    monkeypatch.setattr(gpu, "GPU_RESULTS", tmp_path / "results-gpu")
    monkeypatch.setattr(tables, "GPU_RESULTS", tmp_path / "results-gpu")
    assert gpu.recorded_gpu_run() is None
    table = tables.backend_table({}, None)
    assert "| GPU (key metric) |" in table and "GPU: no run recorded yet" in table
    assert gpu.gpu_time(FIRST, None) == "GPU: not measured yet."

    gpu.record_gpu_run(tmp_path / "run")
    run = gpu.recorded_gpu_run()
    assert sorted(p.name for p in gpu.GPU_RESULTS.iterdir()) == [f"{FIRST}.json", "summary.json"]
    rows = {line.split(" | ")[0].strip("| "): line for line in tables.backend_table({}, run).splitlines()}
    assert "GPU: jax, full (key metric)" in rows["notebook"]
    assert rows[FIRST].endswith("| passed, 41 s |")  # its key metric is not "m", so no value beside it
    assert rows[SECOND].endswith("| **timed out after 300 s**, 300 s |")
    assert rows[THIRD].endswith("| **not started** |")
    assert gpu.gpu_time(FIRST, run) == "GPU: full mode 41 s (jax on NVIDIA H100 80GB HBM3)."
    assert "timed out" in gpu.gpu_time(SECOND, run)
    with pytest.raises(FileNotFoundError, match="summary.json"):
        gpu.record_gpu_run(tmp_path / "results")


def test_a_run_folder_that_is_not_one_run_is_refused(tmp_path, monkeypatch):
    """A results file missing for a notebook that passed, or present for one that did not: the folder is not
    what one run wrote, and results/gpu/ is left as it was."""
    _fake_run(tmp_path / "run", tmp_path / "results")
    monkeypatch.setattr(gpu, "GPU_RESULTS", tmp_path / "results-gpu")
    (tmp_path / "run" / f"{FIRST}.json").unlink()
    with pytest.raises(ValueError, match=f"{FIRST} is 'passed' in summary.json but its results file is missing"):
        gpu.record_gpu_run(tmp_path / "run")
    (tmp_path / "run" / f"{FIRST}.json").write_text("{}")
    (tmp_path / "run" / f"{THIRD}.json").write_text("{}")
    with pytest.raises(ValueError, match=f"{THIRD} is 'not started' in summary.json but its results file is there"):
        gpu.record_gpu_run(tmp_path / "run")
    assert not gpu.GPU_RESULTS.exists()


@pytest.mark.skipif(shutil.which("timeout") is None, reason="the script needs coreutils' timeout")
def test_script_runs_within_its_budget_and_reports_each_notebook(tmp_path):
    """The real script on this CPU, under the current backend (TensorFlow in CI; the script takes any of
    the three, though a GPU machine has only JAX or PyTorch), with 8 s per notebook, too little to finish:
    both notebooks start at once, the longer first, every notebook named gets a line, the summary is written
    and handed to OUT, the whole run stops near its budget, and no kernel spec is left in the user's home."""
    out = tmp_path / "out"
    out.mkdir()
    python = Path(sys.executable).parent
    env = dict(
        os.environ,
        PATH=f"{python}{os.pathsep}{os.environ['PATH']}",  # the script calls python3: this interpreter
        GPU_BUDGET_S="150",  # setting up (imports, the device) takes 20-70 s here, more when the cores are shared
        PER_NOTEBOOK_S="8",
        OUT=str(out),
        HOME=str(tmp_path / "home"),  # where `ipykernel install --user` would leave a kernel spec behind
    )
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    done = subprocess.run(
        ["bash", "tools/gpu_series.sh", backend, "--quick", "01", "02"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["notebooks"]) == stems(deep=False)[:2]  # a two-digit prefix names the core notebook
    assert summary["mode"] == "quick" and summary["budget_seconds"] == 150 and summary["total_seconds"] <= 170
    assert all(run["status"] != "passed" for run in summary["notebooks"].values())
    # three at a time by default: both started at once, the longer (by its committed wall time) first
    started = [line.split(":")[0] for line in done.stdout.splitlines() if ": started (" in line]
    longest_first = sorted(stems(deep=False)[:2], key=lambda stem: -(load_record(stem) or {}).get("wall_seconds", 1e9))
    assert started == longest_first and summary["parallel"] == 2, done.stdout
    assert all(run["wall_seconds"] <= 12 for run in summary["notebooks"].values()), summary
    assert "site: skipped" in done.stdout and (out / f"gpu-{backend}-quick.tgz").exists()
    assert not (tmp_path / "home" / ".local" / "share" / "jupyter").exists(), "a kernel spec left in the user's home"
    bad = subprocess.run(
        ["bash", "tools/gpu_series.sh", backend, "--quick", "0"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    matching = len([s for s in stems() if s.startswith("0")])
    with pytest.raises(ValueError, match=f"matches {matching} notebooks"):
        select(["0"])
    assert bad.returncode == 2 and f"matches {matching} notebooks" in bad.stdout + bad.stderr
    bad = subprocess.run(
        ["bash", "tools/gpu_series.sh", backend, "--quick", "01"],
        cwd=ROOT,
        env=dict(env, GPU_PARALLEL="two"),
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "GPU_PARALLEL must be a positive whole number" in bad.stdout + bad.stderr

"""The GPU run's bookkeeping: tools/gpu_series.sh's summary (tools/report.py), its record in results/gpu/,
README's GPU column and the course plan's GPU times; and the script itself, run on this machine's CPU
with a budget too small for more than a start (its logic, not the GPU)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import course_plan, report
from tools.catalog import stems

ROOT = Path(__file__).resolve().parent.parent
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
    return report.write_gpu_summary(
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
    last = report.gpu_summary_lines(summary)[-1]
    assert "1 of 3 notebooks passed (full mode, jax on NVIDIA H100 80GB HBM3) in 380 s" in last
    assert "at a time" not in last  # a run of one notebook at a time (the facts name no parallel)
    assert "budget 540 s, 3 notebooks at a time" in report.gpu_summary_lines({**summary, "parallel": 3})[-1]


def test_recorded_run_feeds_readme_table_and_course_plan(tmp_path, monkeypatch):
    _fake_run(tmp_path / "run", tmp_path / "results")
    monkeypatch.setattr(report, "GPU_RESULTS", tmp_path / "results-gpu")
    assert report.recorded_gpu_run() is None
    table = report.backend_table({}, None)
    assert "| GPU (key metric) |" in table and "GPU: no run recorded yet" in table
    assert course_plan.gpu_time(FIRST, None) == "GPU: not measured yet."

    report.record_gpu_run(tmp_path / "run")
    gpu = report.recorded_gpu_run()
    assert sorted(p.name for p in report.GPU_RESULTS.iterdir()) == [f"{FIRST}.json", "summary.json"]
    rows = {line.split(" | ")[0].strip("| "): line for line in report.backend_table({}, gpu).splitlines()}
    assert "GPU: jax, full (key metric)" in rows["notebook"]
    assert rows[FIRST].endswith("| passed, 41 s |")  # its key metric is not "m", so no value beside it
    assert rows[SECOND].endswith("| **timed out after 300 s**, 300 s |")
    assert rows[THIRD].endswith("| **not started** |")
    assert course_plan.gpu_time(FIRST, gpu) == "GPU: full mode 41 s (jax on NVIDIA H100 80GB HBM3)."
    assert "timed out" in course_plan.gpu_time(SECOND, gpu)
    with pytest.raises(FileNotFoundError, match="summary.json"):
        report.record_gpu_run(tmp_path / "results")


def test_committed_gpu_record_is_whole():
    """results/gpu/, once a GPU run is recorded, has a summary and a results file per notebook that passed."""
    gpu = report.recorded_gpu_run()
    if gpu is None:
        assert not report.GPU_RESULTS.exists() or not any(report.GPU_RESULTS.iterdir())
        return
    for stem, run in gpu["notebooks"].items():
        assert (report.GPU_RESULTS / f"{stem}.json").exists() == (run["status"] == "passed"), stem


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
        GPU_BUDGET_S="90",  # setting up (imports, the device) takes about 30 s here
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
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["notebooks"]) == stems()[:2]
    assert summary["mode"] == "quick" and summary["budget_seconds"] == 90 and summary["total_seconds"] <= 110
    assert all(run["status"] != "passed" for run in summary["notebooks"].values())
    # three at a time by default: both started at once, the longer (by its committed wall time) first
    started = [line.split(":")[0] for line in done.stdout.splitlines() if ": started (" in line]
    longest_first = sorted(stems()[:2], key=lambda stem: -(report.load_record(stem) or {}).get("wall_seconds", 1e9))
    assert started == longest_first and summary["parallel"] == 2, done.stdout
    assert all(run["wall_seconds"] <= 12 for run in summary["notebooks"].values()), summary
    assert "site: skipped" in done.stdout and (out / f"gpu-{backend}-quick.tgz").exists()
    assert not (tmp_path / "home" / ".local" / "share" / "jupyter").exists(), "a kernel spec left in the user's home"
    bad = subprocess.run(
        ["bash", "tools/gpu_series.sh", backend, "--quick", "0"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "matches 9 notebooks" in bad.stdout + bad.stderr
    bad = subprocess.run(
        ["bash", "tools/gpu_series.sh", backend, "--quick", "01"],
        cwd=ROOT,
        env=dict(env, GPU_PARALLEL="two"),
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "GPU_PARALLEL must be a positive whole number" in bad.stdout + bad.stderr

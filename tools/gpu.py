"""The GPU run's bookkeeping: the summary ``tools/gpu_series.sh`` writes on the GPU machine, and its record
in ``results/gpu/`` (read by the results page and the course plan). Standard library only: the GPU
machine runs ``python3 -m tools.series gpu-summary`` with its own Python.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tools.catalog import stems
from tools.records import read_json
from utils.config import ROOT

GPU_RESULTS = ROOT / "results" / "gpu"  # the recorded run of tools/gpu_series.sh: summary.json + the results files


def write_gpu_summary(folder: Path, results: Path, **facts) -> dict:
    """``summary.json`` of a ``tools/gpu_series.sh`` run in folder, from its ``statuses.tsv``.

    statuses.tsv has a line per notebook: stem, status ("passed", "FAILED", "timed out after N s",
    "not started"), wall seconds. The results files of the notebooks that passed are copied from
    results (the run's ``build/<mode>-<backend>/results/``) into folder; facts (backend, device, mode,
    budget_seconds, total_seconds, parallel: notebooks run at a time, pesq, site) are kept as they are given.
    """
    folder, notebooks = Path(folder), {}
    for line in (folder / "statuses.tsv").read_text(encoding="utf-8").splitlines():
        stem, status, seconds = line.split("\t")
        notebooks[stem] = {"status": status, "wall_seconds": int(seconds)}
        source, target = Path(results) / f"{stem}.json", folder / f"{stem}.json"
        target.unlink(missing_ok=True)
        if status == "passed" and source.exists():
            target.write_bytes(source.read_bytes())
    passed = sum(run["status"] == "passed" for run in notebooks.values())
    summary = {**facts, "passed": passed, "notebooks": notebooks}
    (folder / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


def gpu_summary_lines(summary: dict) -> list[str]:
    """A GPU run in words: one line per notebook, then the whole run."""
    lines = [f"{stem}: {run['status']}, {run['wall_seconds']} s" for stem, run in summary["notebooks"].items()]
    parallel = summary.get("parallel", 1)
    at_a_time = f", {parallel} notebooks at a time (their wall times overlap)" if parallel > 1 else ""
    return lines + [
        f"{summary['passed']} of {len(summary['notebooks'])} notebooks passed ({summary['mode']} mode, "
        f"{summary['backend']} on {summary['device']}) in {summary['total_seconds']} s, "
        f"budget {summary['budget_seconds']} s{at_a_time}; PESQ {summary['pesq']}; site {summary['site']}"
    ]


def recorded_gpu_run() -> dict | None:
    """``results/gpu/summary.json``: the recorded GPU run, or None when none has been recorded."""
    return read_json(GPU_RESULTS / "summary.json")


def record_gpu_run(folder: Path) -> None:
    """Replace ``results/gpu/`` with the summary and results files of the GPU run in folder.

    Raises:
        FileNotFoundError: if folder has no ``summary.json`` (it is not a ``tools/gpu_series.sh`` run).
        ValueError: if a notebook the summary says passed has no results file there, or one that did not
            pass has one (the folder is not one run's output).
    """
    folder = Path(folder)
    summary = read_json(folder / "summary.json")
    if summary is None:
        raise FileNotFoundError(f"{folder} has no summary.json: give the folder tools/gpu_series.sh wrote")
    for stem, run in summary.get("notebooks", {}).items():
        if (folder / f"{stem}.json").exists() != (run["status"] == "passed"):
            raise ValueError(
                f"{folder}: {stem} is '{run['status']}' in summary.json but its results file is "
                f"{'missing' if run['status'] == 'passed' else 'there'}; record the folder one run of "
                "tools/gpu_series.sh wrote, as it wrote it."
            )
    staging = GPU_RESULTS.with_name("gpu.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for path in [folder / "summary.json", *(folder / f"{stem}.json" for stem in stems())]:
        if path.exists():
            (staging / path.name).write_bytes(path.read_bytes())
    if GPU_RESULTS.exists():
        shutil.rmtree(GPU_RESULTS)
    staging.rename(GPU_RESULTS)


def gpu_time(stem: str, gpu: dict | None) -> str:
    """The recorded GPU run's time for a notebook, in words (the course plan)."""
    run = (gpu or {}).get("notebooks", {}).get(stem)
    if run is None:
        return "GPU: not measured yet."
    where = f"{gpu['backend']} on {gpu['device']}"
    if run["status"] != "passed":
        return f"GPU ({gpu['mode']} mode, {where}): {run['status']}."
    return f"GPU: {gpu['mode']} mode {run['wall_seconds']} s ({where})."

"""Execute notebooks headless, each top to bottom in a fresh kernel: ``series.py run`` and ``regenerate``.

* :func:`execute` runs one notebook with nbclient. Outputs and execution counts are cleared first,
  so a copy that failed half-way shows only what ran, with the error where it happened. The
  kernel gets its environment (quick mode, results folder, backend) through jupyter_client, not
  through this process's ``os.environ``; its own stderr (the kernel process's log, not the cells'
  output) goes to a log file, so that it cannot break the progress lines. Where the kernel
  specification supports it, kernel and client talk over CurveZMQ-encrypted TCP.
* :func:`run_series` writes executed copies, results files, kernel logs and a web site under
  ``build/<mode>[-<backend>]/``; :func:`regenerate` rewrites the committed notebooks in place.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from pathlib import Path

from tools import add_navigation, report
from tools.catalog import select

ROOT = Path(__file__).resolve().parent.parent
# nbclient's limit is per cell: a full-mode training cell of notebook 06 ran past one hour on 2 CPU cores
# (2026-11-28), so a cell gets four hours before it counts as hung.
CELL_TIMEOUT_S = 4 * 3600


def _kernel_options() -> dict:
    """Encrypt the kernel's TCP sockets where pyzmq can (ipykernel warns on stderr otherwise)."""
    try:
        import zmq

        return {"transport_encryption": "auto"} if zmq.has("curve") else {}
    except ImportError:
        return {}


def _when(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def take_cell_timings(nb) -> list[dict]:
    """Seconds each executed code cell took, from nbclient's timestamps, which are removed from the notebook
    (the committed notebooks carry no run-specific metadata)."""
    out = []
    for index, cell in enumerate(nb.cells):
        stamps = cell.metadata.pop("execution", None) if cell.cell_type == "code" else None
        if stamps and "iopub.execute_input" in stamps and "shell.execute_reply" in stamps:
            seconds = (_when(stamps["shell.execute_reply"]) - _when(stamps["iopub.execute_input"])).total_seconds()
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            out.append({"cell": index, "seconds": round(seconds, 2), "first_line": first[:100]})
    return out


def execute(
    stem: str,
    out_path: Path,
    env: dict[str, str],
    log_path: Path,
    failed_path: Path | None = None,
    timeout: int = CELL_TIMEOUT_S,
) -> float:
    """Execute notebooks/<stem>.ipynb top to bottom in a fresh kernel and write it to out_path; return seconds.

    ``env`` is added to this process's environment for the kernel only. The kernel process's own
    stderr goes to log_path. The file is written to a temporary name and renamed, so out_path is
    never half-written. If a cell fails, the partly executed notebook (the error shown where it
    happened, no output below it) goes to failed_path instead (default: out_path), and the error
    is raised again. The seconds each cell took go to ``<log_path stem>.timings.json`` beside the log
    (where the time goes: per-cell tables for speed work).
    """
    import nbformat
    from nbclient import NotebookClient

    source = ROOT / "notebooks" / f"{stem}.ipynb"
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.parent)}},
        record_timing=True,
    )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.time()
    target = out_path
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            client.execute(env=dict(os.environ, **env), stdout=log, stderr=log, **_kernel_options())
    except BaseException:
        target = failed_path or out_path
        raise
    finally:
        timings = take_cell_timings(nb)
        log_path.with_suffix(".timings.json").write_text(
            json.dumps({"notebook": stem, "cells": timings}, indent=1) + "\n", encoding="utf-8"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".ipynb.part")
        nbformat.write(nb, tmp)
        os.replace(tmp, target)
    return time.time() - start


def _failure(exc: BaseException, log_path: Path) -> str:
    """One line for a failed notebook: the error's last line, and the kernel log when it holds anything."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()  # the traceback's colours
    line = f"{type(exc).__name__}: {text.splitlines()[-1] if text else ''}"
    if log_path.exists() and log_path.stat().st_size:
        line += f" (kernel log: {_relative(log_path)})"
    return line


def _relative(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def run_series(names: list[str], quick: bool = False, backend: str | None = None, site: bool = True) -> int:
    """Execute the named notebooks (all when none) into build/, print the results table, render a site."""
    out_dir = ROOT / "build" / (("quick" if quick else "full") + (f"-{backend}" if backend else ""))
    env = {"AE_QUICK": "1" if quick else "0", "AE_RESULTS_DIR": str(out_dir / "results")}
    if backend:
        env["KERAS_BACKEND"] = backend
    stems = select(names)
    print(
        f"Running {len(stems)} notebook(s) in {'quick' if quick else 'full'} mode; "
        f"executed copies go to {_relative(out_dir)}/executed/, kernel logs to {_relative(out_dir)}/logs/",
        flush=True,
    )
    failed = []
    for i, stem in enumerate(stems, 1):
        print(f"[{i}/{len(stems)}] {stem} ...", end=" ", flush=True)
        log_path = out_dir / "logs" / f"{stem}.log"
        try:
            seconds = execute(stem, out_dir / "executed" / f"{stem}.ipynb", env, log_path)
            print(f"done in {seconds:.0f} s", flush=True)
        except Exception as exc:  # keep going: report every failing notebook at the end
            print(f"FAILED: {_failure(exc, log_path)}", flush=True)
            failed.append(stem)
    print()
    print(report.results_table(out_dir / "results"))
    if site:
        failed += build_site_of_run(out_dir)
    if failed:
        print(
            f"\n{len(failed)} notebook(s) failed: {', '.join(failed)}; "
            f"their executed copies in {_relative(out_dir)}/executed/ show the error where it happened"
        )
        return 1
    return 0


def regenerate(names: list[str], backend: str | None = None) -> int:
    """Re-execute tracked notebooks in place, in full mode, so committed outputs match the code;
    then refresh the navigation lines and README's tables."""
    env = {"AE_QUICK": "0", "AE_RESULTS_DIR": ""}
    if backend:
        env["KERAS_BACKEND"] = backend
    for stem in select(names):
        print(f"{stem}: executing in full mode ...", end=" ", flush=True)
        failed = ROOT / "build" / "failed" / f"{stem}.ipynb"
        log_path = ROOT / "build" / "logs" / f"{stem}.log"
        try:
            seconds = execute(stem, ROOT / "notebooks" / f"{stem}.ipynb", env, log_path, failed_path=failed)
        except Exception as exc:
            print(
                f"FAILED: {_failure(exc, log_path)}; the tracked notebook is unchanged, the failed run is in "
                f"{_relative(failed)}"
            )
            return 1
        print(f"{seconds:.0f} s", flush=True)
    add_navigation.main([])
    return report.update_readme()


def build_site_of_run(out_dir: Path) -> list[str]:
    """Render a run's executed copies as a web site in out_dir/site (tools/build_site.py); [] when it worked."""
    from tools.build_site import build

    try:
        build(out_dir / "site", notebooks_dir=out_dir / "executed", results_dir=out_dir / "results", quiet=True)
    except Exception as exc:  # the executed notebooks are kept; report the site as one more failure
        print(f"\nweb site: FAILED: {type(exc).__name__}: {exc}")
        return ["(web site)"]
    print(f"\nweb site: {_relative(out_dir / 'site' / 'index.html')}")
    return []

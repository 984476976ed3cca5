"""Execute notebooks headless, each top to bottom in a fresh kernel: ``python3 -m tools.series run`` and ``regenerate``.

* :func:`execute` runs one notebook with nbclient. Outputs and execution counts are cleared first,
  so a copy that failed half-way shows only what ran, with the error where it happened. The
  kernel gets its environment (quick mode, results folder, backend) through jupyter_client, not
  through this process's ``os.environ``; its own stderr (the kernel process's log, not the cells'
  output) goes to a log file, so that it cannot break the progress lines. Where the kernel
  specification supports it, kernel and client talk over CurveZMQ-encrypted TCP.
* :func:`run_series` writes executed copies, results files, kernel logs and a web site under
  ``build/<mode>[-<backend>]/`` (each notebook's earlier files there removed first, and its table and
  site showing only this run's notebooks: never an earlier run's figures as this run's);
  :func:`regenerate` rewrites the committed notebooks in place.

Before the first kernel starts, every ``AE_*`` variable is validated (``utils.config``) and the data
mirror named by ``AE_DATA_DIR``, if any, is inspected (``utils.data``): a mistake costs seconds, and a
mirror whose content is not the data set it claims is named in the first lines and in the summary.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from pathlib import Path

from tools import catalog, pages
from tools.records import load_record, relative
from tools.tables import results_table
from utils.config import ROOT

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
    source: Path,
    out_path: Path,
    env: dict[str, str],
    log_path: Path,
    failed_path: Path | None = None,
    timeout: int = CELL_TIMEOUT_S,
) -> float:
    """Execute the notebook at source top to bottom in a fresh kernel and write it to out_path; return seconds.

    ``env`` is added to this process's environment for the kernel only. The kernel process's own
    stderr goes to log_path. The file is written to a temporary name and renamed, so out_path is
    never half-written. If a cell fails, the partly executed notebook (the error shown where it
    happened, no output below it) goes to failed_path instead (default: out_path), and the error
    is raised again. The seconds each cell took go to ``<log_path stem>.timings.json`` beside the log
    (where the time goes: per-cell tables for speed work).
    """
    import nbformat
    from nbclient import NotebookClient

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
            json.dumps({"notebook": Path(source).stem, "cells": timings}, indent=1) + "\n", encoding="utf-8"
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
        line += f" (kernel log: {relative(log_path)})"
    return line


def preflight(say=print) -> list[str]:
    """Validate every AE_* variable (raises ValueError with the message to act on) and describe the data
    mirror AE_DATA_DIR names; print what there is to say, and return the sentences a summary should repeat
    (a data set whose content is not the one it claims, a damaged file; a data set the mirror lacks is
    found elsewhere, as the notebook says)."""
    from utils import config, data

    for note in config.check_environment():  # AE_* variables set but read by nothing (typos)
        say(f"Note: {note}")
    if config.data_dir() is None:
        say(
            "Data: no mirror (AE_DATA_DIR unset): each notebook uses the download cache, a download or its "
            "offline fallback, and says which."
        )
        return []
    findings = data.mirror_report()
    for finding in findings:
        say(f"Data mirror (AE_DATA_DIR): {finding.sentence}")
    return [finding.sentence for finding in findings if finding.status in ("other", "unusable")]


def _estimate(stems: list[str], quick: bool) -> str:
    """How long the run should take, from the committed full-mode runs and the recorded quick runs."""
    from tools.records import recorded_quick_run

    times = [(recorded_quick_run(s) if quick else load_record(s)) or {} for s in stems]
    known = [t["wall_seconds"] for t in times if "wall_seconds" in t]
    if not known:
        return ""
    total = sum(known) / 60
    where = "the recorded quick runs" if quick else "the committed full-mode runs"
    unknown = len(stems) - len(known)
    words = f"about {total:.0f} min" if total >= 1.5 else f"about {sum(known):.0f} s"
    return f" ({words} by {where} on a 2-core CPU{f', {unknown} not timed' if unknown else ''})"


def _clear(out_dir: Path, stem: str) -> Path:
    """Remove an earlier run's executed copy, results file and kernel logs of one notebook (another run may be
    writing the other notebooks' files into the same folder: tools/gpu_series.sh runs several at once);
    returns where its executed copy goes."""
    executed = out_dir / "executed" / catalog.by_stem(stem).path.relative_to("notebooks")
    for path in (executed, out_dir / "results" / f"{stem}.json", *(out_dir / "logs").glob(f"{stem}.*")):
        path.unlink(missing_ok=True)
    return executed


def run_series(names: list[str], quick: bool = False, backend: str | None = None, site: bool = True) -> int:
    """Execute the named notebooks (all when none) into build/, print the results table, render a site."""
    stems = catalog.select(names)
    try:
        data_problems = preflight()
    except ValueError as exc:
        print(f"Not started: {exc}")
        return 2
    mode = "quick" if quick else "full"
    out_dir = ROOT / "build" / (mode + (f"-{backend}" if backend else ""))
    env = {"AE_QUICK": "1" if quick else "0", "AE_RESULTS_DIR": str(out_dir / "results")}
    if backend:
        env["KERAS_BACKEND"] = backend
    print(
        f"Running {len(stems)} notebook(s) in {mode} mode{_estimate(stems, quick)}; executed copies go to "
        f"{relative(out_dir)}/executed/, kernel logs to {relative(out_dir)}/logs/"
        + ("" if quick else ". Quick mode (--quick or AE_QUICK=1) takes a minute or two per notebook."),
        flush=True,
    )
    statuses = {}
    for i, stem in enumerate(stems, 1):
        print(f"[{i}/{len(stems)}] {stem} ...", end=" ", flush=True)
        log_path = out_dir / "logs" / f"{stem}.log"
        executed = _clear(out_dir, stem)
        try:
            seconds = execute(catalog.by_stem(stem).file, executed, env, log_path)
            print(f"done in {seconds:.0f} s", flush=True)
            statuses[stem] = "passed"
        except Exception as exc:  # keep going: report every failing notebook at the end
            print(f"FAILED: {_failure(exc, log_path)}", flush=True)
            statuses[stem] = "FAILED"
    print()
    print(results_table(out_dir / "results", stems=list(statuses)))
    failed = [stem for stem, status in statuses.items() if status != "passed"]
    if site:
        failed += build_site_of_run(out_dir, statuses)
    for line in data_problems:
        print(f"\nNote on the data: {line}")
    if failed:
        print(
            f"\n{len(failed)} notebook(s) failed: {', '.join(failed)}; "
            f"their executed copies in {relative(out_dir)}/executed/ show the error where it happened"
        )
        return 1
    return 0


def regenerate(names: list[str], backend: str | None = None) -> int:
    """Re-execute tracked notebooks in place, in full mode, so committed outputs match the code;
    then refresh every generated page (``tools.pages``)."""
    from utils import config

    try:
        data_problems = preflight()
        if config.is_quick():
            raise ValueError(
                "regenerate writes the committed full-mode outputs, and AE_QUICK asks for quick mode: unset "
                "AE_QUICK (or use `run --quick`, which writes to build/quick/)."
            )
    except ValueError as exc:
        print(f"Not started: {exc}")
        return 2
    if data_problems:
        print("Not started: the committed outputs must come from the real data sets; fix the mirror first.")
        return 2
    env = {"AE_QUICK": "0", "AE_RESULTS_DIR": ""}
    if backend:
        env["KERAS_BACKEND"] = backend
    for stem in catalog.select(names):
        print(f"{stem}: executing in full mode{_estimate([stem], False)} ...", end=" ", flush=True)
        failed = ROOT / "build" / "failed" / f"{stem}.ipynb"
        log_path = ROOT / "build" / "logs" / f"{stem}.log"
        try:
            source = catalog.by_stem(stem).file
            seconds = execute(source, source, env, log_path, failed_path=failed)
        except Exception as exc:
            print(
                f"FAILED: {_failure(exc, log_path)}; the tracked notebook is unchanged, the failed run is in "
                f"{relative(failed)}"
            )
            return 1
        print(f"{seconds:.0f} s", flush=True)
    return pages.update()


def build_site_of_run(out_dir: Path, statuses: dict[str, str]) -> list[str]:
    """Render a run's executed copies as a web site in out_dir/site (tools/build_site.py); [] when it worked."""
    from tools.build_site import build

    try:
        build(
            out_dir / "site",
            notebooks_dir=out_dir / "executed",
            results_dir=out_dir / "results",
            quiet=True,
            statuses=statuses,
            logs=relative(out_dir / "logs"),
        )
    except Exception as exc:  # the executed notebooks are kept; report the site as one more failure
        print(f"\nweb site: FAILED: {type(exc).__name__}: {exc}")
        return ["(web site)"]
    print(f"\nweb site: {relative(out_dir / 'site' / 'index.html')}")
    return []

"""The tables made from the results files: every figure of every notebook, the notebooks with their headline
numbers and run times, the backends, and where a run's time went. Standard library only.

The pages that show them (README's notebook list, ``results/README.md``, the web site) are written by
:mod:`tools.pages` and :mod:`tools.build_site`.
"""

from __future__ import annotations

from pathlib import Path

from tools import history
from tools.catalog import BACKENDS, Notebook, all_notebooks, core_notebooks, github_path
from tools.conventions import COLAB_BADGE_URL
from tools.gpu import GPU_RESULTS, gpu_summary_lines
from tools.records import (
    RESULTS,
    data_line,
    fmt_number,
    load_record,
    load_records,
    read_json,
    recorded_quick_run,
    recorded_quick_runs,
    relative,
    run_time,
)


def results_table(folder: Path | None = None, stems: list[str] | None = None) -> str:
    """A Markdown table of every results file in folder (default: results/), or of those of the given stems."""
    folder = folder or RESULTS
    records = [rec for rec in load_records(folder) if stems is None or rec.get("notebook") in stems]
    if not records:
        return f"(no results files in {relative(folder)})"
    lines = [
        "| notebook | metric | value | mode | data | backend, device | wall time |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rec in records:
        first = True
        for metric, value in rec["metrics"].items():
            if first:
                lines.append(
                    f"| {rec['notebook']} | `{metric}` | {fmt_number(value)} | {rec['mode']} | {data_line(rec)} | "
                    f"{rec['backend']}, {rec['device']} | {rec['wall_seconds']:.0f} s |"
                )
                first = False
            else:
                lines.append(f"| | `{metric}` | {fmt_number(value)} | | | | |")
    return "\n".join(lines)


def colab_badge(nb: Notebook) -> str:
    """The "Open in Colab" badge of a notebook, linking to Colab's copy of it on GitHub."""
    return f"[![Open In Colab]({COLAB_BADGE_URL})](https://colab.research.google.com/github/{github_path(nb)})"


def headline(nb: Notebook, record: dict | None) -> list[tuple[str, str]]:
    """(what it is, formatted value) of a notebook's headline metrics found in its results record."""
    metrics = (record or {}).get("metrics", {})
    return [(label, fmt_number(metrics[m])) for m, label in nb.headline if m in metrics]


def notebook_list(link_prefix: str = "") -> str:
    """README's list of the core notebooks: a line each, with what it teaches, its run times and a Colab
    badge; its deep dives named in its line, with their full-mode run time (the site and the course plan
    say what each teaches)."""
    quick = recorded_quick_runs()
    lines = ["| # | notebook | run time, quick / full | |", "| --- | --- | --- | --- |"]
    for nb in core_notebooks():
        times = f"{run_time(recorded_quick_run(nb.stem, record=quick))} / {run_time(load_record(nb.stem))}"
        name = f"[{nb.title}]({link_prefix}{nb.path})"
        dives = "".join(
            f"<br>↳ deep dive [{d.number} · {d.title}]({link_prefix}{d.path}) (full mode {run_time(load_record(d.stem))})"
            for d in nb.deep_dives
        )
        lines.append(f"| {nb.number} | {name}: {nb.teaches}{dives} | {times} | {colab_badge(nb)} |")
    return "\n".join(lines)


def headline_table() -> str:
    """Per notebook, its headline numbers (full mode) and where they were measured."""
    lines = [
        "| notebook | headline numbers (full mode) | data | backend, device | run time |",
        "| --- | --- | --- | --- | --- |",
    ]
    for nb in all_notebooks():
        rec = load_record(nb.stem)
        numbers = "; ".join(f"{label}: {value}" for label, value in headline(nb, rec)) or "—"
        where = f"{rec['backend']}, {rec['device']}" if rec else "—"
        lines.append(
            f"| {nb.number} · {nb.title} | {numbers} | {data_line(rec) if rec else '—'} | {where} | {run_time(rec)} |"
        )
    return "\n".join(lines)


def gpu_cell(gpu: dict | None, stem: str, metric: str | None) -> str:
    """The GPU column's cell: status and wall time of the recorded GPU run, with its key metric."""
    run = (gpu or {}).get("notebooks", {}).get(stem)
    if run is None:
        return "not run"
    if run["status"] != "passed":
        return f"**{run['status']}**" + (f", {run['wall_seconds']} s" if run["wall_seconds"] else "")
    rec = read_json(GPU_RESULTS / f"{stem}.json") or {}
    value = rec.get("metrics", {}).get(metric)
    return f"passed, {run['wall_seconds']} s" + (f"; {fmt_number(value)}" if value is not None else "")


def backend_table(record: dict, gpu: dict | None = None) -> str:
    """Markdown: notebook x backend (quick-mode pass and wall time), the full-mode key metric, and the
    recorded GPU run (``results/gpu/``; "not run" when there is none).

    A run whose executed copy's code cells differ from the tracked notebook's is marked "(earlier
    version)": it ran code that has changed since. For a run recorded without its code (an older record,
    or a run that kept no executed copy), a run older than the last commit that changed the code cells is."""
    gpu_head = f"GPU: {gpu['backend']}, {gpu['mode']} (key metric)" if gpu else "GPU (key metric)"
    lines = [
        "| notebook | "
        + " | ".join(f"{b}, quick" for b in BACKENDS)
        + " | key metric, quick: "
        + " / ".join(BACKENDS)
        + f" | same metric, full mode (backend) | {gpu_head} |",
        "| --- | " + " | ".join("---" for _ in BACKENDS) + " | --- | --- | --- |",
    ]
    for nb in all_notebooks():
        metric = nb.key_metric
        cells, quick = [], []
        changed = history.last_change(str(nb.path))
        tracked = history.code_hash(nb.file.read_text(encoding="utf-8")) if nb.file.exists() else None
        for backend in BACKENDS:
            run = record.get(backend, {}).get("notebooks", {}).get(nb.stem)
            cell = (
                "not run" if run is None else f"passed, {run['wall_seconds']:.0f} s" if run["passed"] else "**FAILED**"
            )
            if run and (
                run["code"] != tracked
                if "code" in run
                else changed and run.get("written_at") and run["written_at"] < changed
            ):
                cell += " (earlier version)"
            cells.append(cell)
            metrics = (run or {}).get("metrics", {})
            quick.append(fmt_number(metrics[metric]) if metric in metrics else "—")
        rec = load_record(nb.stem)
        key = f"{fmt_number(rec['metrics'][metric])} ({rec['backend']})" if rec and metric in rec["metrics"] else "—"
        lines.append(
            f"| {nb.stem} | "
            + " | ".join(cells)
            + f" | `{metric}`: "
            + " / ".join(quick)
            + f" | {key} | {gpu_cell(gpu, nb.stem, metric)} |"
        )
    machines = "; ".join(
        f"{b}: {r.get('device')}, {r.get('machine')}, "
        + ", ".join(f"{k} {v}" for k, v in r.get("versions", {}).items())
        for b, r in record.items()
    )
    gpu_line = (
        "GPU: " + gpu_summary_lines(gpu)[-1] + "."
        if gpu
        else "GPU: no run recorded yet (`tools/gpu_series.sh`, then `python3 -m tools.series backends --gpu FOLDER`)."
    )
    return "\n".join(lines) + (f"\n\nMachines and versions: {machines}." if machines else "") + f"\n\n{gpu_line}"


def cell_timings_table(logs: Path, top: int = 3) -> str:
    """Where each notebook's time goes: a Markdown table from the ``<stem>.timings.json`` files that
    :mod:`tools.runner` writes beside the kernels' logs (``build/logs/`` for ``regenerate``,
    ``build/<mode>/logs/`` for ``run``): per notebook, the total of its code cells and its ``top``
    slowest cells (index, first line, seconds and share of the total).

    Raises:
        FileNotFoundError: if logs holds no timing files (the message says what to run).
    """
    rows = [
        "| notebook | code cells, total | slowest cells (cell index: first line, seconds, share) |",
        "|---|---|---|",
    ]
    files = sorted(Path(logs).glob("*.timings.json"))
    if not files:
        raise FileNotFoundError(
            f"No timing files (*.timings.json) in {relative(logs)}: run `python3 -m tools.series regenerate` "
            "(build/logs/) or `run` (build/<mode>/logs/) first, or name the folder of the run."
        )
    for path in files:
        data = read_json(path) or {}
        cells = data.get("cells") or []
        total = sum(c["seconds"] for c in cells) or 1.0  # a notebook without code cells: nothing to share
        slowest = sorted(cells, key=lambda c: -c["seconds"])[:top]
        shown = "; ".join(
            f"{c['cell']}: `{c['first_line'][:40]}` {c['seconds']:.0f} s ({c['seconds'] / total:.0%})" for c in slowest
        )
        rows.append(f"| {data.get('notebook', path.stem)} | {total:.0f} s | {shown} |")
    return "\n".join(rows)

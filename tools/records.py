"""The results files, read in one place, and the way their numbers are written everywhere.

* :func:`load_records` / :func:`load_record` read the notebooks' results files (``results/*.json``,
  or a run's ``build/<mode>/results/``); :func:`recorded_quick_runs` reads the recorded quick runs
  per backend (``results/backends/quick_runs.json``, written by :func:`record_backends`), and
  :func:`recorded_seed_runs` / :func:`seed_spread` the quick runs on several seeds (``quick_seeds.json``).
* :func:`fmt_number`, :func:`fmt_seconds`, :func:`run_time` and :func:`data_line` format numbers, run
  times and data sources the same way in README, on the results page and on the web site.

Standard library only.
"""

from __future__ import annotations

import json
from pathlib import Path

from tools import history
from tools.catalog import BACKENDS, stems
from utils.config import ROOT

RESULTS = ROOT / "results"
BACKENDS_FILE = RESULTS / "backends" / "quick_runs.json"  # in a subfolder: not a notebook's results file
SEEDS_FILE = RESULTS / "backends" / "quick_seeds.json"  # quick runs on several seeds (tools/expect.py)
DEFAULT_BACKEND = BACKENDS[0]


def read_json(path: Path) -> dict | None:
    """The JSON object in path, or None when the file does not exist.

    Raises:
        ValueError: if the file is not valid JSON (a results file is written whole or not at all,
            so a broken one is worth a look rather than a silent gap in a table).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{relative(path)} is not valid JSON ({exc}); rerun the notebook that writes it.") from exc


def relative(path: Path) -> str:
    """A path as printed: relative to the repository when inside it (no absolute path of this machine)."""
    path = Path(path)
    return path.relative_to(ROOT).as_posix() if path.is_absolute() and path.is_relative_to(ROOT) else str(path)


def load_records(folder: Path | None = None) -> list[dict]:
    """Every notebook results file in folder (default ``results/``), in reading order.

    Files without ``metrics`` (anything that is not a notebook's results file) are left out.
    """
    folder = Path(folder or RESULTS)
    order = {stem: i for i, stem in enumerate(stems())}
    paths = sorted(folder.glob("*.json"), key=lambda p: (order.get(p.stem, len(order)), p.name))
    records = (read_json(path) for path in paths)
    return [rec for rec in records if rec and "metrics" in rec]


def load_record(stem: str, folder: Path | None = None) -> dict | None:
    """``<folder>/<stem>.json`` (default folder ``results/``), or None when there is none."""
    rec = read_json(Path(folder or RESULTS) / f"{stem}.json")
    return rec if rec and "metrics" in rec else None


def recorded_quick_runs() -> dict:
    """``results/backends/quick_runs.json``: {backend: {device, machine, versions, notebooks: {stem: run}}}."""
    return read_json(BACKENDS_FILE) or {}


def recorded_seed_runs() -> dict:
    """``results/backends/quick_seeds.json`` (:mod:`tools.expect`):
    {"machine", "device", "versions", "notebooks": {stem: {"code", "runs": {seed: run}}}}."""
    return read_json(SEEDS_FILE) or {"notebooks": {}}


def seed_spread(stem: str, metric: str, record: dict | None = None) -> tuple[float, float, float, int] | None:
    """(mean, min, max, number of seeds) of one metric over a notebook's passed quick runs on several seeds
    (``record`` as :func:`recorded_seed_runs` returns it, read when None), or None where none has it."""
    record = recorded_seed_runs() if record is None else record
    runs = record.get("notebooks", {}).get(stem, {}).get("runs", {}).values()
    values = [r["metrics"][metric] for r in runs if r.get("passed") and metric in r.get("metrics", {})]
    if not values:
        return None
    return sum(values) / len(values), min(values), max(values), len(values)


def recorded_quick_run(stem: str, backend: str = DEFAULT_BACKEND, record: dict | None = None) -> dict | None:
    """The recorded quick run of one notebook under one backend, when it passed; else None."""
    record = recorded_quick_runs() if record is None else record
    run = record.get(backend, {}).get("notebooks", {}).get(stem)
    return run if run and run.get("passed") else None


def record_backends(build: Path | None = None) -> dict:
    """The recorded quick runs, updated with those found in ``build/quick-<backend>/`` (not written).

    A run folder holds only the notebooks of its last run (``run`` clears it first): a notebook with an
    executed copy and no results file failed; one the run did not cover (``run --quick --backend jax
    09``) keeps its earlier record.
    """
    build = Path(build or ROOT / "build")
    record = recorded_quick_runs()
    for backend in BACKENDS:
        folder = build / f"quick-{backend}" / "results"
        if not folder.is_dir():
            continue
        runs = {
            rec["notebook"]: rec
            for rec in load_records(folder)
            if rec.get("mode") == "quick" and rec.get("backend") == backend
        }
        if not runs:
            continue
        any_run = next(iter(runs.values()))
        earlier = record.get(backend, {}).get("notebooks", {})
        executed = folder.parent / "executed"
        ran = {path.stem for path in executed.glob("*.ipynb")} | set(runs)
        partial = not ran >= set(stems())
        notebooks = {}
        for stem in stems():
            if stem in runs:
                notebooks[stem] = {
                    "passed": True,
                    "wall_seconds": runs[stem]["wall_seconds"],
                    "written_at": runs[stem].get("written_at"),
                    **history.code_of_run(executed / f"{stem}.ipynb"),
                    "metrics": runs[stem]["metrics"],
                }
            elif stem in ran or not partial:
                notebooks[stem] = {"passed": False}
            elif stem in earlier:
                notebooks[stem] = earlier[stem]
        record[backend] = {
            "device": any_run.get("device"),
            "machine": any_run.get("machine"),
            "versions": {k: v for k, v in any_run.get("versions", {}).items() if k in ("keras", backend, "python")},
            "notebooks": notebooks,
        }
    return record


def write_backends(record: dict) -> None:
    BACKENDS_FILE.parent.mkdir(exist_ok=True)
    BACKENDS_FILE.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def write_seed_runs(record: dict) -> None:
    """Write ``quick_seeds.json`` whole (a temporary file renamed into place: a stopped run leaves the old one)."""
    SEEDS_FILE.parent.mkdir(exist_ok=True)
    tmp = SEEDS_FILE.with_suffix(".json.part")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    tmp.replace(SEEDS_FILE)


# ----------------------------------------------------------------------------- formatting


def fmt_number(value) -> str:
    """A metric as README and the site show it: 4 significant digits, or scientific notation."""
    if isinstance(value, int):
        return str(value)
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    return f"{value:.3e}"


def fmt_seconds(value: float | None) -> str:
    """A run time: ``"96 s"`` under two minutes, else ``"4 min"``; ``"—"`` when unknown."""
    return "—" if value is None else f"{value:.0f} s" if value < 120 else f"{value / 60:.0f} min"


def run_time(record: dict | None) -> str:
    """The run time of a results record (or recorded run), formatted; ``"—"`` without one."""
    return fmt_seconds(float(record["wall_seconds"]) if record and "wall_seconds" in record else None)


def data_line(record: dict) -> str:
    """Which source each data set of a results record came from, and how many examples."""
    return "; ".join(
        f"{name}: {d.get('source', '?')}" + (f", {d['n_train']} train / {d['n_test']} test" if "n_train" in d else "")
        for name, d in record.get("data", {}).items()
    )

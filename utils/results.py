"""Results files: every notebook's last cell writes what it measured as JSON.

Full-mode runs write ``results/<notebook stem>.json`` (committed, and read by the
README's results table). Quick-mode runs write to a temporary folder instead, so
a test run never overwrites the committed figures. ``AE_RESULTS_DIR`` overrides
both (the series runner uses it to keep its executed copies apart); it is read
by :func:`utils.config.results_dir`, which this module uses (and re-exports as
``results.results_dir``).
"""

from __future__ import annotations

import json
import math
import os
import platform
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np

from .config import ROOT, Settings, results_dir

#: Packages whose versions every results file records.
_PACKAGES = (
    "keras",
    "tensorflow",
    "jax",
    "torch",
    "numpy",
    "scikit-learn",
    "scikit-image",
    "matplotlib",
    "librosa",
    "pystoi",
    "pesq",
    "noisereduce",
)


def versions() -> dict:
    """Python and the installed versions of the packages that shape the numbers."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _number(name: str, value) -> float | int:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) or (hasattr(value, "shape") and np.shape(value) == ()):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"metric {name!r} is {number}: a results file holds finite numbers only.")
        return number
    raise ValueError(f"metric {name!r} must be a number, got {type(value).__name__} {value!r}.")


def save(stem: str, settings: Settings, metrics: dict, data: dict) -> Path:
    """Write ``<results dir>/<stem>.json`` and return its path.

    Args:
        stem: the notebook's file name without ``.ipynb``, e.g. ``"01_bottleneck_autoencoder"``.
        settings: what :func:`utils.setup` returned (mode, backend, device, start time).
        metrics: flat ``{name: number}``; every value must be finite.
        data: which source each data set came from and how many examples, e.g.
            ``{"mnist": mnist.info()}``.

    Returns:
        The path written. The file holds ``notebook``, ``mode``, ``backend``,
        ``device``, ``machine``, ``data``, ``wall_seconds`` (since setup),
        ``versions``, ``metrics`` and ``written_at`` (UTC).

    Raises:
        ValueError: for an unknown notebook stem, a nested or non-numeric metric,
            or data that is not a dict.
    """
    known = sorted(p.stem for pattern in ("*.ipynb", "deep-dives/*.ipynb") for p in (ROOT / "notebooks").glob(pattern))
    if stem not in known:
        raise ValueError(f"stem {stem!r} names no notebook in notebooks/ or notebooks/deep-dives/; known: {known}.")
    if not isinstance(metrics, dict) or not metrics:
        raise ValueError("metrics must be a non-empty dict {name: number}.")
    if not isinstance(data, dict):
        raise ValueError("data must be a dict, e.g. {'mnist': mnist.info()}.")
    record = {
        "notebook": stem,
        "mode": settings.mode,
        "backend": settings.backend,
        "device": settings.device,
        "machine": settings.machine,
        "data": data,
        "wall_seconds": round(time.time() - settings.start_time, 1),
        "versions": versions(),
        "metrics": {str(k): _number(str(k), v) for k, v in metrics.items()},
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    folder = results_dir(settings.quick)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.json"
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2, sort_keys=False)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    print(f"Saved to {where} ({settings.mode} mode, {record['wall_seconds']:.1f} s).")  # one quiet line
    return path


def load_all(folder: str | os.PathLike | None = None) -> list[dict]:
    """Read every ``*.json`` results file in ``folder`` (default ``<repo>/results``), sorted by notebook.

    Raises:
        ValueError: if a file is not valid JSON or lacks the ``notebook`` field.
    """
    folder = Path(folder) if folder is not None else ROOT / "results"
    records = []
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(f"{path} is not valid JSON ({exc}); rerun its notebook.") from exc
        if "notebook" not in record:
            raise ValueError(f"{path} has no 'notebook' field; rerun its notebook.")
        records.append(record)
    return records

"""What git knows about a notebook: a fingerprint of its code cells and when that code last changed.

README's backend table marks a recorded quick run "(earlier version)" when it ran other code than the
tracked notebook's (:func:`code_hash`), or, for runs recorded without their code, when it is older
than the last commit that changed the code cells (:func:`last_change`). Standard library only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path

from utils.config import ROOT


def _git(*args: str) -> str | None:
    """The output of a git command in the repository, or None when git or the object is missing."""
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def code_cells(text: str | None) -> list[str] | None:
    """The code cells' sources of a notebook's JSON text (None for no text)."""
    if text is None:
        return None
    cells = json.loads(text).get("cells", [])
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c["cell_type"] == "code"
    ]


def code_hash(text: str) -> str:
    """A short fingerprint of a notebook's code cells (its JSON text): equal for two versions that run the
    same code, whatever their prose and outputs."""
    return hashlib.sha256(json.dumps(code_cells(text)).encode()).hexdigest()[:16]


def code_of_run(executed: Path) -> dict:
    """{"code": fingerprint of the code cells} of a run's executed copy; {} when the run kept none."""
    return {"code": code_hash(executed.read_text(encoding="utf-8"))} if executed.exists() else {}


def last_change(path: str) -> str | None:
    """UTC time (ISO 8601, ``Z``) of the last commit that changed the code cells of the notebook at path
    (relative to the repository; commits that changed only its prose or outputs do not count); None
    without git or history."""
    log = _git("log", "--format=%H %ct", "--", path)
    for line in (log or "").splitlines():
        commit, seconds = line.split()
        if code_cells(_git("show", f"{commit}:{path}")) != code_cells(_git("show", f"{commit}^:{path}")):
            return dt.datetime.fromtimestamp(int(seconds), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None

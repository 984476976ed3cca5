"""The project's virtual environment: created and kept current by ``series.py`` before it does any work.

:func:`ensure_environment` creates ``.venv`` beside the repository when it is missing, installs
``requirements.txt`` into it when that file changed (a hash of it is kept in ``.venv``), and
restarts the calling script inside it. :func:`ensure_backend` installs the pinned JAX or PyTorch of
``requirements-backends.txt`` the first time a backend asks for it. Standard library only: this runs
under whatever ``python3`` started ``series.py``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
BACKEND_REQUIREMENTS = ROOT / "requirements-backends.txt"
STAMP = VENV / ".requirements-sha256"
#: Set to 1 to use the current Python as it is (an environment managed by the user, e.g. conda).
NO_VENV_ENV = "AE_NO_VENV"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def in_project_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def ensure_environment(script: Path, argv: list[str]) -> None:
    """Create/refresh .venv and re-execute ``script argv`` inside it (no-op once inside, or with AE_NO_VENV=1)."""
    if os.environ.get(NO_VENV_ENV) == "1":
        return
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    python = venv_python()
    if not python.exists():
        print(f"Creating the virtual environment {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print("Installing requirements.txt into .venv (a few minutes the first time) ...", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)
        STAMP.write_text(wanted + "\n")
    if not in_project_venv():
        os.execv(str(python), [str(python), str(Path(script).resolve()), *argv])


def ensure_backend(backend: str) -> None:
    """Install the pinned JAX or PyTorch from requirements-backends.txt into .venv when it is missing."""
    if importlib.util.find_spec(backend) is not None:
        return
    pins = [line.split("#")[0].strip() for line in BACKEND_REQUIREMENTS.read_text().splitlines()]
    wanted = [p for p in pins if p and p.split("=")[0].split("[")[0] in (backend, backend + "lib")]
    print(f"Installing {' '.join(wanted)} into .venv for the {backend} backend ...", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *wanted], check=True)

"""The project's virtual environment: created and kept current by ``python3 -m tools.series`` before it works.

:func:`ensure_environment` creates ``.venv`` beside the repository when it is missing, installs what
changed, and restarts the command inside it:

* ``requirements.txt``: what running the notebooks needs (TensorFlow, Keras, the science stack, the
  audio metrics, Jupyter), the learner's install;
* ``requirements-dev.txt``: the maintainers' tools on top of it (pytest and nbval, ruff, Sphinx and
  the site's browser driver, otter-grader for the student edition), for the commands that need them.

A hash of each file is kept in ``.venv``, so an unchanged file is not installed again. The install
says what it does, phase by phase, with pip's own "Collecting ..." lines. :func:`ensure_backend`
installs the pinned JAX or PyTorch of ``requirements-backends.txt`` the first time a backend asks for
it. Standard library only: this runs under whatever ``python3`` started ``tools.series``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

from utils.config import ROOT

VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
BACKEND_REQUIREMENTS = ROOT / "requirements-backends.txt"
#: Set to 1 to use the current Python as it is (an environment managed by the user, e.g. conda).
NO_VENV_ENV = "AE_NO_VENV"


def venv_python(folder: Path = VENV) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def in_venv(folder: Path = VENV) -> bool:
    return Path(sys.prefix).resolve() == folder.resolve()


def _stamp(folder: Path, requirements: Path) -> Path:
    return folder / f".{requirements.name}.sha256"


def _wanted(requirements: Path) -> str:
    return hashlib.sha256(requirements.read_bytes()).hexdigest()


def pip_install(python: Path, args: list[str], what: str, say=print) -> None:
    """``python -m pip install args``, announced in one line, with pip's "Collecting" and final lines shown
    (so a long install is never silent) and its other output kept back unless it fails.

    Raises:
        RuntimeError: if pip fails; the message holds pip's last lines and what to try.
    """
    say(f"Installing {what} ...", flush=True)
    start = time.time()
    command = [str(python), "-m", "pip", "install", "--progress-bar", "off", "--disable-pip-version-check", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    tail: list[str] = []
    for line in process.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-30:]
        if line.startswith(("Collecting ", "Successfully installed", "Building wheel for")):
            say(f"  {line[:150]}", flush=True)
    if process.wait() != 0:
        raise RuntimeError(
            f"pip could not install {what} (exit {process.returncode}); its last lines:\n" + "\n".join(tail) + "\n"
            "Check the network (pip needs the package index), or install the file yourself: "
            f"{python} -m pip install {' '.join(args)}"
        )
    say(f"  done in {time.time() - start:.0f} s", flush=True)


def ensure_requirements(folder: Path, files: list[tuple[Path, str]], say=print) -> None:
    """Create the virtual environment ``folder`` if needed and install each (requirements file, what it is)
    whose content changed since it was last installed there."""
    python = venv_python(folder)
    if not python.exists():
        say(f"Creating the virtual environment {folder.name}/ (once; later runs reuse it) ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(folder)
        pip_install(python, ["--quiet", "--upgrade", "pip"], "the newest pip", say)
    for number, (requirements, what) in enumerate(files, 1):
        stamp = _stamp(folder, requirements)
        wanted = _wanted(requirements)
        if stamp.exists() and stamp.read_text().strip() == wanted:
            continue
        pip_install(
            python, ["-r", str(requirements)], f"{what} ({requirements.name}, step {number} of {len(files)})", say
        )
        stamp.write_text(wanted + "\n")


def ensure_environment(argv: list[str], dev: bool = True) -> None:
    """Create/refresh .venv (with requirements-dev.txt too when dev) and re-execute ``python -m tools.series
    argv`` inside it; a no-op once inside with nothing to install, or with AE_NO_VENV=1."""
    if os.environ.get(NO_VENV_ENV) == "1":
        return
    files = [(REQUIREMENTS, "what the notebooks need: TensorFlow, Keras, the science stack and Jupyter")]
    if dev:
        files.append((DEV_REQUIREMENTS, "the maintainers' tools: pytest, nbval, ruff, Sphinx, otter-grader"))
    try:
        ensure_requirements(VENV, files)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    if not in_venv():
        python = str(venv_python())
        os.chdir(ROOT)
        os.execv(python, [python, "-m", "tools.series", *argv])


def ensure_backend(backend: str) -> None:
    """Install the pinned JAX or PyTorch from requirements-backends.txt into .venv when it is missing."""
    if importlib.util.find_spec(backend) is not None:
        return
    pins = [line.split("#")[0].strip() for line in BACKEND_REQUIREMENTS.read_text().splitlines()]
    wanted = [p for p in pins if p and p.split("=")[0].split("[")[0] in (backend, backend + "lib")]
    pip_install(Path(sys.executable), wanted, f"{' '.join(wanted)} for the {backend} backend")

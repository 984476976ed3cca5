"""A second environment for the oldest stack the series supports, and a notebook runner to use inside it.

``.venv`` (tools/environment.py) holds requirements.txt, the newest pins. ``.venv-oldest`` holds
requirements-oldest.txt: the oldest TensorFlow, Keras and NumPy README promises to support (those of the
Colab runtime). :func:`ensure_oldest` creates it when it is missing, and reinstalls only when
requirements-oldest.txt changed (a SHA-256 of the file is kept in the environment, as for ``.venv``); it
says what it does, phase by phase. tests/test_oldest_stack.py runs the notebooks' quick mode there.

Standard library only, except the ``run`` command, which runs inside the second environment::

    python3 -m tools.stacks oldest                  # create or refresh .venv-oldest, print its path
    .venv-oldest/bin/python -m tools.stacks run NOTEBOOK EXECUTED   # execute NOTEBOOK, save the result
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from utils.config import ROOT

OLDEST_VENV = ROOT / ".venv-oldest"
OLDEST_REQUIREMENTS = ROOT / "requirements-oldest.txt"
STAMP_NAME = ".requirements-sha256"
#: The Python minor version the second environment is built with (the one .venv uses).
PYTHON_VERSION = (3, 11)
#: Set to 1 (CI) to make a second environment that cannot be built fail the tests instead of skipping them.
REQUIRE_ENV = "AE_REQUIRE_OLDEST"

# What pip prints when no package index can be reached (no network, no proxy, nothing cached).
_OFFLINE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|"
    r"Name or service not known|Network is unreachable|No route to host|ConnectTimeout|ProxyError|"
    r"\(from versions: none\)"
)

# Fail within a minute or two where there is no network, rather than after pip's default 5 retries of 180 s.
_PIP_NETWORK = ("--retries", "2", "--timeout", "30")


class StackUnavailable(RuntimeError):
    """The second environment cannot be built here: no package index is reachable and nothing is cached."""


def _say(line: str) -> None:
    print(line, flush=True)


def stack_python(venv: Path = OLDEST_VENV) -> Path:
    """The Python interpreter of the virtual environment ``venv``."""
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def pins(requirements: Path = OLDEST_REQUIREMENTS) -> dict[str, str]:
    """The ``name==version`` lines of a requirements file, as {lower-case name: version}."""
    found = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[name.strip().lower().replace("_", "-")] = version.strip()
    return found


def _base_python() -> str:
    """A Python of version PYTHON_VERSION to build the environment with: this one, else python3.X on PATH."""
    if sys.version_info[:2] == PYTHON_VERSION:
        return sys.executable
    name = "python{}.{}".format(*PYTHON_VERSION)
    found = shutil.which(name)
    if found is None:
        raise StackUnavailable(f"{name} is not installed: the oldest stack is built with Python {name[6:]}.")
    return found


def _run(command: list[str], log) -> None:
    """Run ``command``; on failure raise StackUnavailable (offline) or RuntimeError (anything else), with pip's words."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode == 0:
        for line in done.stdout.splitlines():
            if line.startswith("Successfully installed"):
                names = line.split()[2:]
                shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
                log(f"    installed {len(names)} distributions: {shown}")
        return
    words = (done.stdout + done.stderr).strip()
    tail = "\n".join(words.splitlines()[-15:])
    if _OFFLINE.search(words):
        errors = [line for line in words.splitlines() if line.startswith("ERROR:")] or words.splitlines()[-1:]
        raise StackUnavailable(f"no package index reachable and nothing cached (pip: {errors[-1].strip()})")
    raise RuntimeError(f"{' '.join(command)} failed (exit {done.returncode}):\n{tail}")


def installed_versions(python: Path, names: list[str]) -> dict[str, str | None]:
    """The versions of the distributions ``names`` installed for ``python`` (None where one is missing)."""
    code = (
        "import json, sys\nfrom importlib import metadata\nout = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try: out[n] = metadata.version(n)\n"
        "    except metadata.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run([str(python), "-c", code, *names], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def ensure_stack(venv: Path, requirements: Path, log=None, fresh: bool = False) -> Path:
    """Create or refresh the virtual environment ``venv`` holding exactly the pins of ``requirements``.

    Nothing is installed when the environment's stamp matches the SHA-256 of ``requirements``. Otherwise:
    (1) create the environment (Python 3.11), (2) update pip, (3) install the requirements, (4) check that
    pip's resolver kept every pin and that the set is consistent (``pip check``), (5) write the stamp.
    ``fresh=True`` deletes the environment first.

    Returns:
        The environment's Python interpreter.

    Raises:
        StackUnavailable: when no package index can be reached and pip's cache lacks a package, or
            Python 3.11 is missing: the environment cannot be built on this machine.
        RuntimeError: when installing fails for any other reason (a conflict between the pins, a build error).
    """
    log = log or _say
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = venv / STAMP_NAME
    python = stack_python(venv)
    if fresh and venv.exists():
        log(f"Removing {venv.name} to rebuild it from scratch ...")
        shutil.rmtree(venv)
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    start = time.monotonic()
    log(f"Building {venv.name} from {requirements.name} (a few minutes the first time, seconds when cached):")
    if not python.exists():
        base = _base_python()
        log(f"  [1/5] creating the virtual environment with {base} ...")
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    else:
        log(f"  [1/5] {venv.name} exists, but not as {requirements.name} now pins it (changed, or an install stopped)")
        stamp.unlink(missing_ok=True)
    log("  [2/5] updating pip ...")
    try:
        _run([str(python), "-m", "pip", "install", "--quiet", *_PIP_NETWORK, "--upgrade", "pip"], log)
    except StackUnavailable:
        log("    no package index reachable: keeping the pip the environment came with")
    wanted_pins = pins(requirements)
    log(f"  [3/5] installing {len(wanted_pins)} pins: " + ", ".join(f"{n} {v}" for n, v in wanted_pins.items()))
    _run([str(python), "-m", "pip", "install", "--progress-bar", "off", *_PIP_NETWORK, "-r", str(requirements)], log)
    log("  [4/5] checking the installed versions against the pins (and pip check) ...")
    found = installed_versions(python, list(wanted_pins))
    wrong = {n: (v, found[n]) for n, v in wanted_pins.items() if found[n] != v}
    if wrong:
        raise RuntimeError(
            f"pip did not install the pins of {requirements.name}: "
            + ", ".join(f"{n} {got} instead of {want}" for n, (want, got) in wrong.items())
        )
    _run([str(python), "-m", "pip", "check"], log)
    stamp.write_text(wanted + "\n")
    log(f"  [5/5] {venv.name} is ready ({time.monotonic() - start:.0f} s)")
    return python


def ensure_oldest(log=None, fresh: bool = False) -> Path:
    """:func:`ensure_stack` for ``.venv-oldest`` and requirements-oldest.txt; returns its Python."""
    return ensure_stack(OLDEST_VENV, OLDEST_REQUIREMENTS, log=log, fresh=fresh)


def run_notebook(source: Path, target: Path, timeout: int = 600) -> float:
    """Execute the notebook ``source`` in a fresh kernel of this Python and save it, with outputs, to ``target``.

    The kernel is this interpreter's ipykernel, whatever kernelspec the notebook names. Execution stops
    at the first failing cell (the saved notebook then holds its error output). Returns the wall time in s.
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    class ThisPython(KernelManager):  # as nbval's --nbval-current-env: never a kernelspec's other Python
        def format_kernel_cmd(self, extra_arguments=None):
            return [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file]

    nb = nbformat.read(source, as_version=4)
    manager = ThisPython(kernel_name="python3")
    client = NotebookClient(nb, timeout=timeout, km=manager, resources={"metadata": {"path": str(source.parent)}})
    start = time.monotonic()
    failed = None
    try:
        client.execute()
    except CellExecutionError as exc:
        failed = exc
    seconds = time.monotonic() - start
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    if failed is not None:
        print(str(failed)[-2000:], file=sys.stderr)
        raise SystemExit(1)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tools.stacks", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    oldest = commands.add_parser("oldest", help="create or refresh .venv-oldest and print its Python")
    oldest.add_argument("--fresh", action="store_true", help="delete .venv-oldest first")
    run = commands.add_parser("run", help="execute a notebook with this Python's kernel (inside a stack)")
    run.add_argument("notebook", type=Path)
    run.add_argument("executed", type=Path)
    run.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    args = parser.parse_args(argv)
    if args.command == "oldest":
        try:
            print(ensure_oldest(fresh=args.fresh))
        except StackUnavailable as exc:
            print(f"The oldest stack cannot be built here: {exc}", file=sys.stderr)
            return 2
        return 0
    seconds = run_notebook(args.notebook.resolve(), args.executed.resolve(), timeout=args.timeout)
    print(f"{args.notebook.name}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

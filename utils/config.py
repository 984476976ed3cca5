"""Run settings shared by every notebook: quick or full mode, the seed, the data, cache and results folders.

This module is the one place that reads the project's environment variables; every other module
calls the function named here (:func:`utils.setup`, in :mod:`utils.session`, reads them through it):

- ``AE_QUICK``: :func:`is_quick`, quick mode (small data, few epochs);
- ``AE_DATA_DIR``: :func:`data_dir`, a data mirror: a folder holding ``mnist.npz`` and ``fsdd/recordings/``;
- ``AE_CACHE_DIR``: :func:`cache_dir`, where the project keeps its downloads;
- ``AE_RESULTS_DIR``: :func:`results_dir`, where results files are written;
- ``AE_SEED``: :func:`seed_override`, a seed that replaces the notebooks' own (to check that a result
  does not hang on one seed);
- ``KERAS_HOME`` (Keras' own variable): :func:`keras_home`, Keras' MNIST download cache.

:func:`check_environment` validates all of them in one call (and the variables
that ``tools/`` reads: ``AE_REQUIRE_BROWSER``, ``AE_REQUIRE_OLDEST``, ``AE_CHROMIUM``, ``AE_NO_VENV``), so
that the series runner can refuse a typo before the first notebook starts.
This module imports only the standard library, so that the tools can read :data:`ROOT` and validate
the environment before the project's virtual environment exists.

A relative path in an ``AE_*`` variable is taken relative to the repository
root, never to the working directory. :func:`display_path` turns a data path
into the words printed in notebooks and stored in results files, so that none
of them shows an absolute path of this machine.
"""

from __future__ import annotations

import difflib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: The repository root, found from this file, never from the working directory.
ROOT = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_BACKENDS = ("tensorflow", "jax", "torch")

#: Every AE_* variable the project reads: here (utils) or in tools/ (browser tests, the virtual environment).
AE_VARIABLES = tuple(
    "AE_QUICK AE_SEED AE_DATA_DIR AE_CACHE_DIR AE_RESULTS_DIR AE_REQUIRE_BROWSER AE_REQUIRE_OLDEST AE_OLDEST_NOTEBOOKS AE_CHROMIUM AE_NO_VENV".split()
)


@dataclass(frozen=True)
class Settings:
    """What :func:`setup` decided, for the notebook and for the results file.

    Attributes:
        quick: True in quick mode (``AE_QUICK=1``): small data, few epochs.
        mode: ``"quick"`` or ``"full"``.
        seed: the seed given to ``keras.utils.set_random_seed``.
        backend: the Keras backend in use (``"tensorflow"``, ``"jax"`` or ``"torch"``).
        device: a short description of the compute device, e.g. ``"CPU (2 cores)"``.
        machine: processor model and operating system, for the results file.
        start_time: ``time.time()`` when setup ran; ``results.save`` measures
            ``wall_seconds`` from it.
    """

    quick: bool
    mode: str
    seed: int
    backend: str
    device: str
    machine: str
    start_time: float = field(default_factory=time.time)


def is_quick(value: str | None = None) -> bool:
    """Read quick mode from ``AE_QUICK`` (or from ``value`` when given).

    ``1``/``true``/``yes``/``on`` mean quick; unset, empty, ``0``/``false``/``no``/``off`` mean full.

    Raises:
        ValueError: for any other value, so that a typo does not silently run
            a 15-minute full-mode notebook.
    """
    raw = os.environ.get("AE_QUICK", "") if value is None else value
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(
        f"AE_QUICK={raw!r} is not understood: set AE_QUICK=1 for quick mode, or unset it (or AE_QUICK=0) for full mode."
    )


def seed_override() -> int | None:
    """The seed ``AE_SEED`` names (it replaces the seed a notebook passes to :func:`utils.setup`), or None if unset.

    For checking that a claim holds on other seeds too: ``AE_SEED=1 python3 -m tools.series run --quick``.

    Raises:
        ValueError: if ``AE_SEED`` is not a non-negative whole number.
    """
    raw = os.environ.get("AE_SEED", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValueError(f"AE_SEED={raw!r} is not a seed: set a whole number such as AE_SEED=1, or unset it.")
    return int(raw)


def _env_path(name: str) -> Path | None:
    """The path named by the environment variable ``name`` (relative: from the repository root), or None if unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    return path if path.is_absolute() else (ROOT / path).resolve()


def data_dir() -> Path | None:
    """The folder named by ``AE_DATA_DIR`` (a folder holding ``mnist.npz`` and ``fsdd/recordings/``), or None if unset.

    A relative path is taken relative to the repository root, so
    ``AE_DATA_DIR=../data-mirror`` means the same folder from a notebook in ``notebooks/`` and from the shell.
    The loaders of :mod:`utils.data` call this each time they run.

    Raises:
        ValueError: if ``AE_DATA_DIR`` is set but is not an existing folder.
    """
    path = _env_path("AE_DATA_DIR")
    if path is not None and not path.is_dir():
        raise ValueError(
            f"AE_DATA_DIR={os.environ['AE_DATA_DIR'].strip()!r} points to {path}, which is not a folder. "
            "Unset AE_DATA_DIR to use the download cache, or point it to a copy "
            "of the data mirror (a folder holding mnist.npz and fsdd/recordings/)."
        )
    return path


def cache_dir() -> Path:
    """The folder where the project keeps its downloads: ``AE_CACHE_DIR`` if set, else ``<repo>/data/cache``.

    A relative ``AE_CACHE_DIR`` is taken relative to the repository root. The
    folder is not created here (:func:`utils.data.cache_dir` creates it).
    """
    return _env_path("AE_CACHE_DIR") or ROOT / "data" / "cache"


def results_dir(quick: bool) -> Path:
    """Where results files go: ``AE_RESULTS_DIR`` if set; else a temporary folder in quick mode, else ``<repo>/results``.

    Args:
        quick: True for a quick-mode run, whose results must never overwrite the
            committed full-mode ones in ``<repo>/results``.

    Raises:
        ValueError: if ``quick`` is not True or False.
    """
    if not isinstance(quick, bool):
        raise ValueError(f"quick must be True or False (settings.quick), got {quick!r}.")
    path = _env_path("AE_RESULTS_DIR")
    if path is not None:
        return path
    if quick:
        return Path(tempfile.gettempdir()) / "autoencoders-quick-results"
    return ROOT / "results"


def keras_home() -> Path:
    """Keras' own folder, where ``keras.datasets`` caches its downloads: ``KERAS_HOME`` if set, else ``~/.keras``.

    Read as Keras reads it (a relative ``KERAS_HOME`` is relative to the working
    directory, as for Keras itself), so that this is the folder Keras really uses.
    """
    raw = os.environ.get("KERAS_HOME", "").strip()
    return Path(raw).expanduser() if raw else Path.home() / ".keras"


def display_path(path: str | os.PathLike) -> str:
    """How a data path is shown in printed lines and results files: never an absolute path of this machine.

    A path inside the folder named by ``AE_DATA_DIR``, ``AE_CACHE_DIR`` or
    ``KERAS_HOME`` is written from that variable (``AE_DATA_DIR/mnist.npz``); one
    inside the repository, relative to it (``data/cache/fsdd/recordings``); one in
    the home folder, from ``~``. Any other path is returned as it is.
    """
    path = Path(path)
    named = []
    for name, find in (
        ("AE_DATA_DIR", data_dir),
        ("AE_CACHE_DIR", lambda: _env_path("AE_CACHE_DIR")),
        ("KERAS_HOME", lambda: keras_home() if os.environ.get("KERAS_HOME", "").strip() else None),
    ):
        try:
            folder = find()
        except ValueError:  # a bad AE_DATA_DIR: the loaders report it; here it names nothing
            folder = None
        if folder is not None:
            named.append((name, folder))
    named += [("", ROOT), ("~", Path.home())]
    for name, folder in named:
        if path.is_relative_to(folder):
            relative = path.relative_to(folder).as_posix()
            if not name:
                return relative
            return name if relative == "." else f"{name}/{relative}"
    return str(path)


def _environment_problems() -> list[str]:
    """The message for each environment variable the project reads that is set to something it cannot use."""
    problems = []
    for check in (is_quick, seed_override, data_dir):
        try:
            check()
        except ValueError as exc:
            problems.append(str(exc))
    for name, path, default in (
        ("AE_CACHE_DIR", _env_path("AE_CACHE_DIR"), "<repo>/data/cache"),
        ("AE_RESULTS_DIR", _env_path("AE_RESULTS_DIR"), "the default results folder"),
        ("KERAS_HOME", keras_home() if os.environ.get("KERAS_HOME", "").strip() else None, "~/.keras"),
    ):
        if path is not None and path.exists() and not path.is_dir():
            problems.append(
                f"{name}={os.environ[name].strip()!r} points to {path}, which is a file, not a folder. "
                f"Unset {name} to use {default}, or point it to a folder (created if missing)."
            )
    for name, meaning in (
        ("AE_REQUIRE_BROWSER", "make a missing browser fail the web site's browser tests"),
        ("AE_REQUIRE_OLDEST", "make an oldest-stack environment that cannot be built fail the tests"),
        ("AE_NO_VENV", "use the current Python as it is instead of .venv"),
    ):
        raw = os.environ.get(name, "")
        if raw.strip() not in {"", "0", "1"}:
            problems.append(f"{name}={raw!r} is not understood: set {name}=1 to {meaning}, or unset it (or {name}=0).")
    backend = os.environ.get("KERAS_BACKEND", "").strip()
    if backend and backend not in _BACKENDS:
        problems.append(
            f"KERAS_BACKEND={backend!r} is not a Keras 3 backend: set one of {', '.join(_BACKENDS)}, or unset it."
        )
    chromium = os.environ.get("AE_CHROMIUM", "").strip()
    if chromium and chromium.lower() != "none" and not Path(chromium).expanduser().is_file():
        problems.append(
            f"AE_CHROMIUM={chromium!r} is not an existing file: point it to a Chromium executable, "
            "set AE_CHROMIUM=none to run no browser tests, or unset it to let tools/browser.py look for one."
        )
    return problems


def check_environment() -> list[str]:
    """Validate every environment variable the project reads, in one call, before anything runs.

    Checks ``AE_QUICK`` (:func:`is_quick`), ``AE_DATA_DIR`` (:func:`data_dir`: an
    existing folder), ``AE_CACHE_DIR``, ``AE_RESULTS_DIR`` and ``KERAS_HOME`` (not a
    file; a missing folder is created when needed), ``KERAS_BACKEND`` (a Keras 3
    backend), and those that ``tools/`` reads: ``AE_REQUIRE_BROWSER``, ``AE_REQUIRE_OLDEST``, ``AE_NO_VENV``
    (``1``, ``0`` or unset) and ``AE_CHROMIUM`` (``none`` or an existing file). It reads
    no data file (:func:`utils.data.check_mirror` says what the mirror holds).

    Returns:
        One sentence per ``AE_*`` variable that is set but that nothing in the project
        reads (most likely a typo, e.g. ``AE_QUIK``, named with the closest known
        variable); [] normally. These are not errors: print them.

    Raises:
        ValueError: with each wrong variable's message (one: as it is; several: one per
            line, after a line saying how many).
    """
    problems = _environment_problems()
    if len(problems) > 1:
        raise ValueError(
            f"{len(problems)} environment variables need fixing:\n" + "\n".join(f"- {p}" for p in problems)
        )
    if problems:
        raise ValueError(problems[0])
    notes = []
    for name in sorted(n for n in os.environ if n.startswith("AE_") and n not in AE_VARIABLES):
        close = difflib.get_close_matches(name, AE_VARIABLES, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        notes.append(f"{name} is set, but nothing in this project reads it{hint}: unset it, or correct its name.")
    return notes

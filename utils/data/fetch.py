"""Download and cache machinery shared by the loaders: the download helper, checksums, the cache folder.

Nothing here knows a particular data set; :mod:`utils.data.mnist` and
:mod:`utils.data.fsdd` pin their URLs and checksums and call these functions.
Also here: the words for a data file that cannot be read (:func:`describe_error`,
:data:`MIRROR_REMEDY`) and :func:`remembered`, which keeps a content checksum per
file state so that one process does not read the same mirror twice.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .. import config

#: Seconds a network step may wait before the loader moves on to the next source.
NETWORK_TIMEOUT = 10.0

#: The ``source`` a loader records for data read from an ``AE_DATA_DIR`` mirror whose content
#: differs from the pinned original (see :func:`utils.data.load_mnist`, :func:`utils.data.load_fsdd`).
MIRROR_UNVERIFIED = "mirror (unverified)"


#: What to do about a file of an ``AE_DATA_DIR`` mirror that cannot be read (the end of the loaders' message).
MIRROR_REMEDY = (
    "the file is damaged or was not copied completely. Copy it again from the mirror, "
    "or unset AE_DATA_DIR to use the download cache or the offline fallback."
)


class DownloadError(OSError):
    """A download failed or its checksum did not match; the message says what to do."""


def describe_error(exc: BaseException) -> str:
    """``"Type: reason"`` of an exception in one short line (at most 160 characters of reason).

    A file named by an ``OSError`` is written through :func:`utils.config.display_path`,
    so that the line never shows an absolute path of this machine.
    """
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror + (f": {config.display_path(exc.filename)}" if exc.filename else "")
    else:
        text = str(exc)
    text = " ".join(text.split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


#: Files (or folders' files) whose newest modification is older than this many seconds when they are
#: checked may have their checksum remembered (younger ones could change again within the clock's tick).
SETTLED_SECONDS = 2.0

_REMEMBERED: dict = {}


def _state(path: Path) -> tuple:
    """What identifies the content of a file, or of every file under a folder, without reading it:
    ``(name, size, mtime_ns, inode)`` of each file, sorted by name."""
    if path.is_file():
        stat = path.stat()
        return ((path.name, stat.st_size, stat.st_mtime_ns, stat.st_ino),)
    found = []
    pending = [("", os.fspath(path))]
    while pending:
        prefix, where = pending.pop()
        with os.scandir(where) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((f"{prefix}{entry.name}/", entry.path))
                elif entry.is_file():
                    stat = entry.stat()
                    found.append((f"{prefix}{entry.name}", stat.st_size, stat.st_mtime_ns, stat.st_ino))
    return tuple(sorted(found))


def remembered(kind: str, path: str | os.PathLike, compute: Callable[[], str]) -> str:
    """``compute()`` (e.g. a content checksum of ``path``), computed once per state of ``path`` in this process.

    The result is kept under ``(kind, path)`` with the size, modification time (ns) and
    inode of the file, or of every file under the folder; any change to one of them
    computes it again (listing a folder of 3000 files takes about 15 ms). Files modified less than :data:`SETTLED_SECONDS` before the
    check are never remembered, since a second change within the file system's clock
    tick would not show. So ``utils.setup()`` and the loaders that follow it in one
    notebook read a settled mirror's content once, not twice.

    Raises:
        ValueError: for an empty ``kind`` or a ``path`` that is neither a file nor a folder.
        OSError: when ``path`` cannot be listed (e.g. no permission).
    """
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind must be a non-empty name for what is computed, e.g. 'mnist-arrays', got {kind!r}.")
    path = Path(path)
    if not path.exists():
        raise ValueError(f"Cannot check {config.display_path(path)}: it is neither a file nor a folder.")
    started = time.time_ns()
    state = _state(path)
    key = (kind, os.fspath(path.resolve()))
    known = _REMEMBERED.get(key)
    if known is not None and known[0] == state:
        return known[1]
    value = compute()
    newest = max((entry[2] for entry in state), default=0)
    if newest < started - int(SETTLED_SECONDS * 1e9):
        _REMEMBERED[key] = (state, value)  # one state per path: a changed file replaces the old entry
    else:
        _REMEMBERED.pop(key, None)
    return value


def split_info(dataset) -> dict:
    """The ``data`` entry of a results file common to every data set: where it came from and how many
    training and test examples were used (``dataset`` has ``source``, ``origin``, ``x_train``, ``x_test``)."""
    return {
        "source": dataset.source,
        "origin": dataset.origin,
        "n_train": int(len(dataset.x_train)),
        "n_test": int(len(dataset.x_test)),
    }


def cache_dir() -> Path:
    """The folder where downloads are kept: ``AE_CACHE_DIR`` if set, else ``<repo>/data/cache``.

    The folder is created if needed (see :func:`utils.config.cache_dir`, which reads the variable).
    """
    path = config.cache_dir()
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


def _files_in(folder: Path) -> list[tuple[str, str]]:
    """``(path relative to folder, full path)`` of every file under ``folder``, sorted by the relative path.

    Sorted as Python sorts strings (by code point: byte order for ASCII names, as ``LC_ALL=C sort``).
    Uses ``os.scandir``, whose entries know their type without a ``stat`` call per file.
    """
    found = []
    pending = [("", os.fspath(folder))]
    while pending:
        prefix, where = pending.pop()
        with os.scandir(where) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((f"{prefix}{entry.name}/", entry.path))
                elif entry.is_file():
                    found.append((f"{prefix}{entry.name}", entry.path))
    return sorted(found)


def sha256_folder(folder: str | os.PathLike) -> str:
    """Hexadecimal SHA-256 of every file under ``folder``, their bytes concatenated in sorted path order.

    This is what ``find FOLDER -type f | sort | xargs cat | sha256sum`` prints
    (with ``sort`` in byte order, as for ASCII file names): a checksum of a
    folder's contents that does not depend on how they were packed. File names
    are not part of it; :func:`sha256_names` checks them.

    Raises:
        ValueError: if ``folder`` is not an existing folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"Cannot compute a checksum: {folder} is not a folder.")
    digest = hashlib.sha256()
    for _, path in _files_in(folder):
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def sha256_names(folder: str | os.PathLike) -> str:
    """Hexadecimal SHA-256 of the sorted list of file paths under ``folder``, one per line.

    Each path is relative to ``folder`` and followed by a newline, as printed by
    ``find FOLDER -type f -printf '%P\\n' | LC_ALL=C sort | sha256sum``. Together
    with :func:`sha256_folder` it pins a folder whose file names carry meaning
    (FSDD's names are its labels).

    Raises:
        ValueError: if ``folder`` is not an existing folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"Cannot compute a checksum: {folder} is not a folder.")
    listing = "".join(f"{name}\n" for name, _ in _files_in(folder))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def sha256_arrays(arrays: Mapping[str, np.ndarray], keys: Sequence[str]) -> str:
    """Hexadecimal SHA-256 of arrays' contents, whatever file or compression they were stored in.

    For each name in ``keys``, in that order, the digest takes the UTF-8 line
    ``"{name} {dtype} {shape}\\n"`` (``dtype`` as NumPy's ``dtype.str``, e.g.
    ``|u1``; ``shape`` as comma-separated sizes, e.g. ``60000,28,28``), then the
    array's bytes in C order. So ``np.savez`` and ``np.savez_compressed`` copies of
    the same arrays agree, while one changed value, dtype or shape does not.

    Args:
        arrays: name -> array (other names than ``keys`` are ignored).
        keys: the names to include, in a fixed order.

    Raises:
        ValueError: for an empty ``keys`` or a name that ``arrays`` lacks.
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    if not keys:
        raise ValueError("keys must name at least one array, e.g. ('x_train', 'y_train').")
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise ValueError(f"Cannot compute a checksum: the arrays {missing} are missing; present: {sorted(arrays)}.")
    digest = hashlib.sha256()
    for key in keys:
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key} {array.dtype.str} {','.join(str(n) for n in array.shape)}\n".encode())
        digest.update(array.tobytes())
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
    """Make every socket opened inside the block give up after ``seconds`` (for downloads by other libraries)."""
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(old)

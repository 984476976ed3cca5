"""What a data mirror holds, said before anything loads: :func:`check_mirror` and :func:`mirror_report`.

A mirror (the folder named by ``AE_DATA_DIR``) is used as it is, whatever it holds:
a reader may point it at another data set on purpose, and the loaders then record
``"mirror (unverified)"``. This module says so *early*, in plain sentences, without
importing Keras: the series runner prints :func:`check_mirror`'s sentences before the
first notebook starts, and :func:`utils.setup` prints one short line for each file
that is not the data set it claims to be (see :func:`setup_notes`).

The content checks are the loaders' own (:func:`utils.data.mnist._is_original_mnist`,
:func:`utils.data.fsdd_matches_pin`), remembered per state of the files in this process
(:func:`utils.data.fetch.remembered`), so a notebook's setup and its loaders read a
settled mirror's content once. On the real mirror the whole check takes about 0.5-1 s.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from .. import config
from . import fsdd, mnist
from .fetch import MIRROR_REMEDY
from .recordings import _read_fsdd_wav

#: The statuses of a :class:`MirrorFinding`.
STATUSES = ("verified", "other", "missing", "unusable")


class MirrorFinding(NamedTuple):
    """What a mirror holds for one data set.

    Attributes:
        name: the path in the mirror, ``"mnist.npz"`` or ``"fsdd/recordings"``.
        status: ``"verified"`` (the pinned data set, content checked), ``"other"``
            (readable, laid out as the data set, but other content: used and labelled
            ``"mirror (unverified)"``), ``"missing"`` (the loaders use the next source)
            or ``"unusable"`` (damaged, unreadable or not laid out as the data set:
            loading it raises ValueError).
        sentence: one plain sentence saying so (for the series runner).
        note: a short line for :func:`utils.setup` when the file is not what it claims
            (status ``"other"`` or ``"unusable"``), else None.
    """

    name: str
    status: str
    sentence: str
    note: str | None = None


def _mnist_finding(folder: Path) -> MirrorFinding:
    path = folder / "mnist.npz"
    shown = config.display_path(path)
    if not path.is_file():
        return MirrorFinding(
            "mnist.npz",
            "missing",
            "mnist.npz is not in the mirror: the notebooks will use Keras' cache, a download or the offline fallback.",
        )
    try:
        arrays = mnist._read_npz(path)
    except ValueError as exc:
        return MirrorFinding(
            "mnist.npz",
            "unusable",
            str(exc),
            f"Note: {shown} is damaged or not laid out as MNIST: loading it will stop, saying what to do.",
        )
    if mnist._is_original_mnist(path, arrays):
        return MirrorFinding("mnist.npz", "verified", "mnist.npz: the original MNIST (content checked).")
    return MirrorFinding(
        "mnist.npz",
        "other",
        "mnist.npz holds other arrays than the original MNIST (content checksum differs): the notebooks "
        "will run on them, labelled 'mirror (unverified)', and their numbers are not MNIST's.",
        f"Note: {shown} is not the original MNIST (content checksum differs): numbers computed on it are not MNIST's.",
    )


def _fsdd_finding(folder: Path) -> MirrorFinding:
    path = folder / "fsdd" / "recordings"
    shown = config.display_path(path)
    name = "fsdd/recordings"
    if not path.is_dir():
        return MirrorFinding(
            name,
            "missing",
            "fsdd/recordings is not in the mirror: the notebooks will use the cache, a download or the offline fallback.",
        )
    try:
        entries, source = fsdd._mirror_entries(path)
        if source != "mirror":  # other recordings: each must still be a readable clip, or loading stops later
            for entry in entries:
                _read_fsdd_wav(entry.path, MIRROR_REMEDY)
    except ValueError as exc:
        return MirrorFinding(
            name,
            "unusable",
            str(exc),
            f"Note: {shown} cannot be used as it is (damaged or misnamed files): loading it will stop, saying what to do.",
        )
    if source == "mirror":
        return MirrorFinding(
            name,
            "verified",
            f"fsdd/recordings: the pinned FSDD, {len(entries)} recordings (file names and content checked).",
        )
    return MirrorFinding(
        name,
        "other",
        "fsdd/recordings holds other recordings than the pinned FSDD (file names or content checksum differ): "
        "the notebooks will run on them, labelled 'mirror (unverified)', and their numbers are not FSDD's.",
        f"Note: {shown} is not the pinned FSDD (file names or content checksum differ): "
        "numbers computed on it are not FSDD's.",
    )


def _folder(folder: str | os.PathLike | None) -> Path | None:
    if folder is None:
        return config.data_dir()
    path = Path(folder).expanduser()
    path = path if path.is_absolute() else (config.ROOT / path).resolve()
    if not path.is_dir():
        raise ValueError(
            f"folder={os.fspath(folder)!r} is not a folder: pass the data mirror's folder (holding mnist.npz "
            "and fsdd/recordings/), or None to check the one named by AE_DATA_DIR."
        )
    return path


def mirror_report(folder: str | os.PathLike | None = None) -> list[MirrorFinding]:
    """One :class:`MirrorFinding` per data set (MNIST, then FSDD) for a mirror folder; [] when there is none.

    Args:
        folder: the mirror to inspect (a relative path is taken from the repository
            root); None: the folder named by ``AE_DATA_DIR``, or nothing when it is unset.

    Raises:
        ValueError: if ``folder`` is not a folder, or ``AE_DATA_DIR`` is set but is not one.
    """
    path = _folder(folder)
    if path is None:
        return []
    return [_mnist_finding(path), _fsdd_finding(path)]


def check_mirror(folder: str | os.PathLike | None = None) -> list[str]:
    """Plain sentences, one per data set, on what a data mirror holds; [] when ``AE_DATA_DIR`` is unset.

    For ``mnist.npz`` and ``fsdd/recordings/`` in turn, one of: the pinned data set
    (content checked, e.g. ``"mnist.npz: the original MNIST (content checked)."``);
    other content of the same layout (used all the same, labelled
    ``"mirror (unverified)"``, numbers not comparable); not there (the loaders use
    the next source); or unusable (the loader's message: which file, what is wrong,
    what to do). Needs no Keras and no network; about 0.5-1 s on the real mirror
    (it reads MNIST's arrays and FSDD's 21 MB). The series runner calls it before the
    first notebook starts; :func:`mirror_report` gives the same with statuses.

    Args:
        folder: the mirror to inspect (a relative path is taken from the repository
            root); None: the folder named by ``AE_DATA_DIR``.

    Raises:
        ValueError: if ``folder`` is not a folder, or ``AE_DATA_DIR`` is set but is not one.
    """
    return [finding.sentence for finding in mirror_report(folder)]


def setup_notes(folder: Path) -> list[str]:
    """The short lines :func:`utils.setup` prints under its first line for the mirror ``folder``: one per
    file that is not the data set it claims to be or cannot be used; [] for a mirror that is all it claims."""
    return [finding.note for finding in mirror_report(folder) if finding.note]

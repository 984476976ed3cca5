"""FSDD, the Free Spoken Digit Dataset: the mirror and the cache (content-checked), a pinned download, or the synthesiser."""

from __future__ import annotations

import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from .. import config
from ..checks import positive_int
from .fetch import (
    MIRROR_REMEDY,
    MIRROR_UNVERIFIED,
    DownloadError,
    cache_dir,
    describe_error,
    download,
    remembered,
    sha256_folder,
    sha256_names,
    split_info,
)
from .recordings import FSDD_SAMPLE_RATE, _fsdd_index, _read_fsdd_wav
from .synth import _fsdd_synthetic_index, synthesize_fsdd_clips

#: Commit of github.com/Jakobovski/free-spoken-digit-dataset that the download is pinned to:
#: the commit the tag ``v1.0.10`` points to, the first with all 3000 recordings (speakers
#: george, jackson, lucas, nicolas, theo, yweweler; later commits changed only documentation).
#:
#: Why the *contents* are checked rather than the archive: GitHub generates ``.tar.gz``
#: archives on request and does not promise byte-identical archives over time, so no
#: SHA-256 of the archive can be pinned.
#: The recordings inside are checked instead, against :data:`FSDD_CONTENT_SHA256`.
#: Evidence for this commit (not checked against a download when it was pinned): a public
#: audit of tag v1.0.10 names this commit and counts 3000 WAVs totalling 21,128,848 bytes,
#: frames 1148-18262; a mirror of the release checked for this project matched all three figures
#: exactly, and the mirror's content checksum is the one pinned below. If a download ever
#: fails the content check, the loader says so and falls through to the offline fallback.
FSDD_COMMIT = "d6938f9bf1545aa66d8489fc9f1385a7abd64282"

#: The pinned FSDD archive (a tarball of the repository at :data:`FSDD_COMMIT`, about 15 MB).
FSDD_URL = f"https://github.com/Jakobovski/free-spoken-digit-dataset/archive/{FSDD_COMMIT}.tar.gz"

#: SHA-256 of the 3000 recordings' bytes concatenated in sorted file-name order, i.e.
#: ``find fsdd/recordings -type f | sort | xargs cat | sha256sum`` (see :func:`sha256_folder`).
FSDD_CONTENT_SHA256 = "ddb17656a0bca4c5ddace082be188ca630516dc2ef1110afe3c4e9cc71173de4"

#: SHA-256 of the recordings' file names: the 3000 names ``{digit}_{speaker}_{take}.wav`` (digits
#: 0-9, the six speakers above, takes 0-49) sorted, one per line, i.e.
#: ``find fsdd/recordings -type f -printf '%P\n' | LC_ALL=C sort | sha256sum`` (see
#: :func:`sha256_names`). The names are FSDD's labels, which :data:`FSDD_CONTENT_SHA256` does not cover.
FSDD_NAMES_SHA256 = "27331d87b29362ba0537d04b4c55478e0202a4aa3e03c76f538f4b8eeb159ef2"

#: Takes 0 to FSDD_TEST_TAKES - 1 of every digit and speaker form FSDD's official test set.
FSDD_TEST_TAKES = 5

#: What to do about an ``AE_DATA_DIR/fsdd/recordings`` folder that cannot be used (the end of the message).
MIRROR_FOLDER_REMEDY = "copy fsdd/recordings/ again from the mirror, or unset AE_DATA_DIR to use the download cache or the offline fallback."

_SAFE_MEMBER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_COLUMNS = (("digit", np.int64), ("speaker", str), ("take", np.int64))  # FSDD's label arrays and their dtypes


def fsdd_matches_pin(folder: str | os.PathLike) -> bool:
    """True if ``folder`` holds exactly FSDD's pinned recordings: same file names, same bytes.

    Compares :func:`sha256_names` with :data:`FSDD_NAMES_SHA256` (cheap: no file is
    read) and then :func:`sha256_folder` with :data:`FSDD_CONTENT_SHA256` (reads all
    21 MB, about 0.2 s warm). The whole folder is checked even when a subset is
    loaded: which clips a subset holds depends on which files exist, so only the
    full set vouches for both the clips and the selection. Both checksums are
    computed once per state of the folder's files in this process
    (:func:`utils.data.fetch.remembered`), so ``utils.setup()``'s mirror check and
    the loader do not read the folder twice.

    Raises:
        ValueError: if ``folder`` is not an existing folder.
        OSError: if a file in it cannot be read (the loader turns this into a ValueError naming the folder).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"Cannot compute a checksum: {config.display_path(folder)} is not a folder.")
    if remembered("fsdd-names", folder, lambda: sha256_names(folder)) != FSDD_NAMES_SHA256:
        return False
    return remembered("fsdd-content", folder, lambda: sha256_folder(folder)) == FSDD_CONTENT_SHA256


def _cache_remedy(cached: Path) -> str:
    """What to do about a damaged file in the project's FSDD cache ``cached``."""
    return f"delete {config.display_path(cached)} so that the next run downloads FSDD again."


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
        source: ``"mirror"`` (``AE_DATA_DIR``, content checked: FSDD as pinned),
            ``"mirror (unverified)"`` (``AE_DATA_DIR`` holds other recordings, e.g. another
            data set on purpose), ``"cache"``, ``"download"`` or ``"offline-fallback"``.
        origin: the folder or URL the clips were read from, or the generator of the
            fallback, without absolute paths (e.g. ``"AE_DATA_DIR/fsdd/recordings"``,
            see :func:`utils.config.display_path`).
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
            **split_info(self),
            "n_speakers": len(self.speakers),
            "sample_rate": int(self.sample_rate),
        }


def _download_fsdd(folder: Path, progress: bool) -> Path:
    """Download the pinned archive, unpack its recordings next to the cache, check them, rename into place.

    The archive goes to a temporary file (renamed when complete, by :func:`download`);
    the recordings are unpacked into a temporary folder, checked with
    :func:`fsdd_matches_pin` (file names and content checksum), and only then is the
    folder renamed to ``folder/recordings``. On any failure nothing is left behind;
    the archive is deleted once unpacked.
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
                    raise DownloadError(
                        f"The archive from {FSDD_URL} holds an unexpected file {member.name!r}; it was refused."
                    )
                with tar.extractfile(member) as src, open(staged / parts[2], "wb") as dst:
                    shutil.copyfileobj(src, dst)
        if not any(staged.iterdir()):
            raise DownloadError(f"The archive from {FSDD_URL} holds no recordings/ folder; it was refused and deleted.")
        if not fsdd_matches_pin(staged):
            raise DownloadError(
                f"The recordings unpacked from {FSDD_URL} do not match the pinned file names and content "
                f"SHA-256 (FSDD_NAMES_SHA256, FSDD_CONTENT_SHA256); they were refused and deleted. Put a "
                f"trusted copy of FSDD's recordings in {config.display_path(final)} yourself, or set AE_DATA_DIR."
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
    fallback = "utils.data.synthesize_fsdd_clips"
    folder = config.data_dir()
    if folder is not None:
        mirror = folder / "fsdd" / "recordings"
        if mirror.is_dir():  # a mirror the user named is never skipped: an unusable one raises, saying what to do
            return _mirror_entries(mirror) + (config.display_path(mirror), "")
        say("FSDD: AE_DATA_DIR/fsdd/recordings not found; trying the cache and download.")
    try:
        cached = cache_dir() / "fsdd" / "recordings"
    except OSError as exc:  # e.g. a read-only checkout: nowhere to cache a download
        return None, "offline-fallback", fallback, f"no cache folder: {describe_error(exc)}"[:160]
    shown = config.display_path(cached)
    if cached.is_dir():  # a cache is refilled by the download: a damaged one is skipped with one line
        try:
            if fsdd_matches_pin(cached):
                return _fsdd_index(cached, _cache_remedy(cached)), "cache", shown, ""
            say(
                f"FSDD: the cache {shown} does not match the pinned file names and content checksum "
                "(a file is missing, damaged or extra); downloading again."
            )
        except (OSError, ValueError) as exc:
            say(f"FSDD: the cache {shown} cannot be read ({describe_error(exc.__cause__ or exc)}); downloading again.")
    try:
        recordings = _download_fsdd(cached.parent, progress=verbose)
        return _fsdd_index(recordings, _cache_remedy(recordings)), "download", FSDD_URL, ""
    except (OSError, EOFError, tarfile.TarError) as exc:  # no network, server down, bad archive
        message = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, DownloadError) and message.startswith("Could not download") and "(" in message:
            note = "download failed: " + message[message.index("(") + 1 : message.rindex(")")]  # the network error
        else:  # refused (checksum, content) or a broken archive: the full message is worth a line
            say("FSDD: " + message.replace(str(cached.parent), config.display_path(cached.parent)))
            note = "download refused"
        return None, "offline-fallback", fallback, note[:160]


def _mirror_entries(mirror: Path) -> tuple[list, str]:
    """``(entries, source)`` of the mirror's recordings folder: ``"mirror"`` if it is the pinned FSDD, else
    ``"mirror (unverified)"``. Raises ValueError naming the folder if it cannot be listed or read, holds no
    WAV or misnamed ones (checked first, so a folder that is not FSDD-like is refused with a clear message)."""
    entries = _fsdd_index(mirror, MIRROR_FOLDER_REMEDY)
    try:
        verified = fsdd_matches_pin(mirror)
    except OSError as exc:
        raise ValueError(
            f"{config.display_path(mirror)} cannot be read ({describe_error(exc)}): {MIRROR_FOLDER_REMEDY}"
        ) from exc
    return entries, "mirror" if verified else MIRROR_UNVERIFIED


def _check_speakers(speakers):
    """``speakers`` as None, a positive int (the first k by name) or a list of names."""
    if speakers is None:
        return None
    if isinstance(speakers, str):
        return [speakers]
    if isinstance(speakers, (int, np.integer)) and not isinstance(speakers, bool):
        return positive_int(speakers, "speakers", what="number of speakers (or a list of names, or None for all)")
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
    """The official split of ``entries`` (test: takes below FSDD_TEST_TAKES), restricted and ordered as load_fsdd documents."""
    available = sorted({e.speaker for e in entries})
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
        if entry.speaker in keep:
            splits["test" if entry.take < FSDD_TEST_TAKES else "train"].append(entry)
    for name, group in splits.items():
        if max_takes is not None:
            group.sort(key=lambda e: (e.digit, e.speaker, e.take))
            seen: dict = {}
            kept = []
            for entry in group:
                cell = (entry.digit, entry.speaker)
                seen[cell] = seen.get(cell, 0) + 1
                if seen[cell] <= max_takes:
                    kept.append(entry)
            group = kept
        splits[name] = sorted(group, key=lambda e: (e.take, e.speaker, e.digit))
    return splits["train"], splits["test"]


def load_fsdd(max_takes: int | None = None, speakers=None, verbose: bool = True) -> FSDD:
    """Load the Free Spoken Digit Dataset (FSDD) with its official split, as float32 waveforms in [-1, 1].

    FSDD: 3000 recordings of the digits 0-9 spoken in English, 8 kHz mono 16-bit,
    6 speakers x 10 digits x 50 takes, named ``{digit}_{speaker}_{take}.wav``;
    takes 0-4 are the test set (300 clips), takes 5-49 the training set (2700).

    Resolution order: ``AE_DATA_DIR/fsdd/recordings``, compared with the pinned
    FSDD (:func:`fsdd_matches_pin`: file names and content checksum of the whole
    folder, about 0.2 s; other recordings are used all the same, e.g. another
    data set on purpose, but the printed line says so and ``source`` is
    ``"mirror (unverified)"``); the project cache (``cache_dir()/fsdd/recordings``,
    the same check, else downloaded again); a download of the pinned archive
    :data:`FSDD_URL` (giving up after ``NETWORK_TIMEOUT`` seconds without an
    answer), unpacked into the cache only when the recordings pass the same
    check (:data:`FSDD_NAMES_SHA256`, :data:`FSDD_CONTENT_SHA256`); and last
    the offline fallback: 3000 synthetic clips from a small formant
    synthesiser (6 synthetic voices x 10 digits x 50 takes, 0.3-0.8 s each,
    same naming and split), generated deterministically in a few seconds.
    The fallback is a stand-in to keep notebooks running, not speech.

    A damaged file is treated by whose it is. The mirror was named by the user, so
    it is never skipped silently: a recordings folder that cannot be read, holds no
    WAV or misnamed ones, or a clip that cannot be read or is truncated, raises
    ValueError naming it (``AE_DATA_DIR/fsdd/recordings/...``) and saying what to do.
    The cache is ours to refill, so a cache that fails the check or cannot be read
    is skipped with one printed line and downloaded again.
    :func:`utils.data.check_mirror` reports a mirror's state without loading.

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
            is not in the data, a bad ``AE_DATA_DIR``, or a mirror's recordings folder
            that cannot be read, with no WAV files, misnamed files or files that are
            damaged, truncated or not 8 kHz PCM WAV (the message names the file).
    """
    max_takes = positive_int(max_takes, "max_takes", allow_none=True, what="number of takes")
    speakers = _check_speakers(speakers)
    entries, source, origin, note = _resolve_fsdd(verbose)
    if entries is None:
        entries = _fsdd_synthetic_index()
    train, test = _fsdd_select(entries, speakers, max_takes, origin)
    if source == "offline-fallback":
        waves = synthesize_fsdd_clips(train + test)
        x_train, x_test = waves[: len(train)], waves[len(train) :]
    else:
        remedy = MIRROR_REMEDY if source.startswith("mirror") else _cache_remedy(cache_dir() / "fsdd" / "recordings")
        x_train = [_read_fsdd_wav(e.path, remedy) for e in train]
        x_test = [_read_fsdd_wav(e.path, remedy) for e in test]

    def columns(split: list) -> tuple:  # digits, speakers and takes of a split, as arrays
        return tuple(np.array([getattr(e, f) for e in split], dtype=t) for f, t in _COLUMNS)

    fsdd = FSDD(x_train, *columns(train), x_test, *columns(test), FSDD_SAMPLE_RATE, source, origin)
    if verbose:
        counts = f"{len(x_train)} train / {len(x_test)} test clips, {len(fsdd.speakers)} speakers, 8 kHz"
        if source == "offline-fallback":
            print(
                f"FSDD OFFLINE FALLBACK ({note}): synthetic digits from a formant synthesiser, not "
                f"recorded speech; {counts}; numbers are not comparable with FSDD."
            )
        else:
            what = {
                "mirror": "from the mirror given by AE_DATA_DIR (content checked)",
                MIRROR_UNVERIFIED: "from the mirror given by AE_DATA_DIR, whose recordings are NOT the pinned FSDD "
                "(their file names or content checksum differ), so numbers are not comparable with FSDD's",
                "cache": f"from the cache ({origin}, content checked)",
                "download": "downloaded and content-checked, now cached "
                f"({config.display_path(cache_dir() / 'fsdd' / 'recordings')})",
            }[source]
            print(f"FSDD {what}: {counts}.")
    return fsdd

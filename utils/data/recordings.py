"""FSDD's files: the clip record, the sample rate, listing a recordings folder and reading one WAV.

Shared by :mod:`utils.data.fsdd` (the loader) and :mod:`utils.data.synth` (its offline
fallback), which import this module and never each other. Every error names the file
or folder through :func:`utils.config.display_path` and ends with the ``remedy`` the
caller passes: the loader knows whether the folder is a mirror the user named or the
project's cache.
"""

from __future__ import annotations

import re
import struct
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import config
from .fetch import describe_error

#: FSDD's sample rate in Hz (mono, 16-bit PCM).
FSDD_SAMPLE_RATE = 8000

_FSDD_NAME = re.compile(r"^(\d)_([A-Za-z0-9]+)_(\d+)\.wav$")


class FSDDEntry(NamedTuple):
    """One clip of FSDD (or of its synthetic fallback), as named by its file ``{digit}_{speaker}_{take}.wav``.

    Attributes:
        digit: the spoken digit, 0-9.
        speaker: the speaker's name (a synthetic voice's name in the fallback).
        take: the repetition number, 0-49; takes below ``FSDD_TEST_TAKES`` (5) form the test set.
        path: the WAV file, or None for a synthetic clip.
    """

    digit: int
    speaker: str
    take: int
    path: Path | None = None


def _fsdd_index(folder: Path, remedy: str) -> list[FSDDEntry]:
    """An :class:`FSDDEntry` for every WAV in ``folder``, which must hold FSDD-named WAVs.

    Raises:
        ValueError: naming the folder and ending with ``remedy``, if it cannot be listed,
            holds no ``.wav`` file, or holds WAVs not named ``{digit}_{speaker}_{take}.wav``.
    """
    shown = config.display_path(folder)
    try:
        wavs = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".wav" and p.is_file())
    except OSError as exc:
        raise ValueError(f"{shown} cannot be read ({describe_error(exc)}): {remedy}") from exc
    if not wavs:
        raise ValueError(
            f"{shown} holds no .wav files; expected FSDD recordings named "
            "{digit}_{speaker}_{take}.wav (e.g. 7_jackson_32.wav): " + remedy
        )
    entries, bad = [], []
    for path in wavs:
        match = _FSDD_NAME.match(path.name)
        if match is None:
            bad.append(path.name)
        else:
            entries.append(FSDDEntry(int(match[1]), match[2], int(match[3]), path))
    if bad:
        raise ValueError(
            f"{shown}: {len(bad)} WAV file(s) are not named {{digit}}_{{speaker}}_{{take}}.wav "
            f"(e.g. {bad[0]!r}); rename or remove them."
        )
    return entries


def _read_fsdd_wav(path: Path, remedy: str) -> np.ndarray:
    """One WAV file as a float32 mono waveform in [-1, 1] (16-bit samples divided by 32768).

    Raises:
        ValueError: naming the file, if it cannot be read or is truncated (its header
            announces more samples than it holds; the message ends with ``remedy``), is
            not sampled at 8 kHz, or holds no samples.
    """
    from scipy.io import wavfile

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", wavfile.WavFileWarning)
            rate, samples = wavfile.read(path)
    except (ValueError, EOFError, OSError, struct.error) as exc:
        raise ValueError(
            f"{config.display_path(path)} is not a readable PCM WAV file ({describe_error(exc)}): {remedy}"
        ) from exc
    truncated = [str(w.message) for w in caught if "prematurely" in str(w.message) or "ncomplete" in str(w.message)]
    if truncated:
        raise ValueError(f"{config.display_path(path)} is truncated ({truncated[0]}): {remedy}")
    if rate != FSDD_SAMPLE_RATE:
        raise ValueError(
            f"{config.display_path(path)} is sampled at {rate} Hz; FSDD clips are {FSDD_SAMPLE_RATE} Hz. "
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
        raise ValueError(f"{config.display_path(path)} holds no samples: {remedy}")
    return np.clip(x, -1.0, 1.0).astype(np.float32)

"""The offline fallback of :func:`utils.data.load_fsdd`: spoken-digit clips from a small formant synthesiser.

A source-filter synthesiser: each synthetic speaker has a pitch and a
vocal-tract length; each digit is a sequence of phones whose formant targets
(F1-F3) the formant tracks glide between, with fricative noise and bursts. The
clips keep notebooks running without network or data mirror; they are not speech.

Imports only :mod:`utils.data.recordings` (the clip record and the sample rate), never
:mod:`utils.data.fsdd`, which imports this module.
"""

from __future__ import annotations

import numpy as np

from ..checks import positive_int
from .recordings import FSDD_SAMPLE_RATE, FSDDEntry

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
    contour = (
        1.0
        + rng.uniform(0.02, 0.10) * np.sin(np.pi * np.minimum(t / 0.33, 1.0) / 2)
        - rng.uniform(0.10, 0.22) * np.clip((t - 0.33) / 0.67, 0, 1)
    )
    f0 = (
        pitch
        * rng.uniform(0.92, 1.08)
        * contour
        * (1 + 0.01 * np.sin(2 * np.pi * rng.uniform(3, 6) * t * seconds + rng.uniform(0, 2 * np.pi)))
    )
    return {
        "n": n,
        "frames": frames,
        "formants": tracks,
        "bandwidths": bandwidths,
        "voicing": voicing,
        "noise": noise,
        "noise_freq": noise_freq,
        "noise_bw": noise_bw,
        "f0": f0,
        "phase": rng.uniform(),
        "white": rng.standard_normal(n),
        "breath": rng.uniform(0.002, 0.006),
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
            out[i, p["frames"] :] = p[key][-1]
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


def _fsdd_synthetic_index() -> list[FSDDEntry]:
    """The 3000 entries of the fallback: 10 digits x 6 synthetic voices x 50 takes, with no file (``path`` None)."""
    return [
        FSDDEntry(d, _SYNTH_VOICES[v][0], t, None)
        for d in range(10)
        for v in range(len(_SYNTH_VOICES))
        for t in range(50)
    ]


def synthesize_fsdd_clips(entries: list, batch: int = 500) -> list:
    """Synthetic spoken-digit clips (the offline fallback of :func:`load_fsdd`), one per ``(digit, speaker, take)``.

    Each clip is the same whatever else is generated with it: its random choices
    come from a generator seeded by its digit, speaker and take.

    Args:
        entries: :class:`FSDDEntry` records, or tuples whose first three items are
            a digit 0-9, a synthetic speaker name (``bass``, ``baritone``, ``tenor``,
            ``alto``, ``mezzo``, ``soprano``) and a take number >= 0.
        batch: clips synthesised together (memory grows with it: about 50 kB per clip).

    Returns:
        A list of float32 waveforms at 8 kHz, 0.3-0.8 s long, peak 0.3-0.9.

    Raises:
        ValueError: for an unknown digit, speaker or a negative take, or a bad ``batch``.
    """
    batch = positive_int(batch, "batch", what="(clips synthesised together)")
    names = [v[0] for v in _SYNTH_VOICES]
    plans = []
    for entry in entries:
        digit, speaker, take = tuple(entry)[:3]
        if digit not in _SYNTH_DIGITS or speaker not in names or int(take) < 0:
            raise ValueError(f"Cannot synthesise {tuple(entry)[:3]!r}: digits are 0-9, speakers {names}, takes >= 0.")
        plans.append(_synth_plan(int(digit), names.index(speaker), int(take)))
    order = np.argsort([p["n"] for p in plans], kind="stable")  # similar lengths together: less padding
    clips: list = [None] * len(plans)
    for start in range(0, len(order), batch):
        chunk = order[start : start + batch]
        for i, clip in zip(chunk, _synth_batch([plans[i] for i in chunk])):
            clips[i] = clip
    return clips

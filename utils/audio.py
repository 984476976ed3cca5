"""Audio helpers for the speech notebooks: noise at an exact SNR, SI-SDR, STFT and its inverse.

All signals are NumPy arrays of samples (floats, nominally in [-1, 1]) at one
sample rate; the functions here never resample. The STFT defaults suit 8 kHz
speech such as the Free Spoken Digit Dataset (:func:`utils.data.load_fsdd`):

* ``n_fft=256``: 32 ms frames at 8 kHz, 129 frequency bins 31.25 Hz apart;
  the Hann window's main lobe is about 4 bins (125 Hz) wide, but two tones are
  told apart once they are about 2 bins (62.5 Hz) apart, so the harmonics of
  a voice (100 Hz or more apart) show as separate lines, and the formants are
  followed well;
* ``hop_length=64``: 8 ms between frames (75 % overlap), so a 0.4 s digit
  gives about 50 frames, and the Hann window overlaps-adds to a constant,
  which makes :func:`istft` an exact inverse of :func:`stft_magnitude`.

librosa is imported on first use, so ``import utils`` stays light; librosa's
first inverse STFT in a fresh environment can take a few seconds while numba
compiles (and caches) its overlap-add routine.
"""

from __future__ import annotations

import numbers

import numpy as np

from .checks import positive_int

#: Sample rate of the Free Spoken Digit Dataset, in Hz.
SAMPLE_RATE = 8000
#: STFT frame length in samples (32 ms at 8 kHz).
N_FFT = 256
#: STFT hop in samples (8 ms at 8 kHz).
HOP_LENGTH = 64
#: STFT window: Hann, whose squares overlap-add to a constant at a hop of n_fft/4.
WINDOW = "hann"


def _signal(x, name: str, min_length: int = 1) -> np.ndarray:
    """``x`` as a finite 1-D float array, or a ValueError naming ``name``."""
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be an array of numbers (a waveform), got dtype {arr.dtype}.")
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D waveform of shape (samples,), got shape {arr.shape}; "
            "call the function once per clip (or use x.ravel() for a (samples, 1) array)."
        )
    if arr.shape[0] < min_length:
        raise ValueError(f"{name} must hold at least {min_length} sample(s), got {arr.shape[0]}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite samples; clean them before mixing or scoring.")
    return arr


def _generator(rng) -> np.random.Generator:
    """``rng`` as a ``numpy.random.Generator`` (a Generator, an integer seed, or None for a fresh one)."""
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be a numpy.random.Generator, an integer seed or None, got {type(rng).__name__}.")


def _float_dtype(*arrays: np.ndarray):
    """float32 when every input is float32 (or narrower), else float64."""
    return np.result_type(np.float32, *[a.dtype if np.issubdtype(a.dtype, np.floating) else np.float32 for a in arrays])


def pad_or_crop(signal, length: int) -> np.ndarray:
    """Return ``signal`` with exactly ``length`` samples: zeros appended, or the end cut off.

    Args:
        signal: waveform, shape (samples,) or (..., samples); the last axis is time.
        length: the number of samples wanted (e.g. ``int(1.0 * 8000)`` for one second at 8 kHz).

    Returns:
        An array of shape (..., length) and the dtype of ``signal``; the start of
        the signal is kept in place, so sample ``i`` stays at time ``i / sample_rate``.

    Raises:
        ValueError: if ``length`` is not a positive integer or ``signal`` is a scalar.
    """
    length = positive_int(length, "length")
    arr = np.asarray(signal)
    if arr.ndim == 0:
        raise ValueError("signal must be a waveform (an array with a time axis), got a single number.")
    n = arr.shape[-1]
    if n >= length:
        return arr[..., :length].copy()
    pad = [(0, 0)] * (arr.ndim - 1) + [(0, length - n)]
    return np.pad(arr, pad)


def mix_at_snr(clean, noise, snr_db: float, rng=None, return_noise: bool = False):
    """Add ``noise`` to ``clean``, scaled so that the mixture has exactly ``snr_db`` decibels of SNR.

    The SNR is ``10 * log10(sum(clean**2) / sum(scaled_noise**2))`` over the
    whole clip (silences included, as in most denoising papers). A noise
    recording shorter than ``clean`` is repeated (tiled) to cover it; a longer
    one is cropped; in both cases the segment starts at a random offset, so
    repeated calls draw different stretches of the same noise.

    Args:
        clean: clean waveform, shape (n,), float or integer samples; not all zeros.
        noise: noise waveform, shape (m,), any m >= 1; its segment used must not be all zeros.
        snr_db: the wanted signal-to-noise ratio in dB (0 dB: equal energies;
            10 dB: noise energy a tenth of the speech energy). Any finite number.
        rng: where the random offset comes from: a ``numpy.random.Generator``,
            an integer seed, or None for NumPy's global generator (which
            ``utils.setup()`` seeds, so a notebook stays reproducible).
        return_noise: also return the scaled noise segment that was added.

    Returns:
        ``noisy`` of shape (n,), or ``(noisy, scaled_noise)`` with
        ``noisy == clean + scaled_noise``. The scale is computed in float64; the
        result is float32 when the inputs are float32 (or integers), else float64.
        The mixture is not clipped, so it may exceed [-1, 1] at low SNR: rescale
        clean and noisy together if needed (the SNR does not change).

    Raises:
        ValueError: for non-1-D or non-finite inputs, a silent clean signal or a
            silent noise segment, a non-finite ``snr_db``, or a bad ``rng``.
    """
    clean = _signal(clean, "clean")
    noise = _signal(noise, "noise")
    if isinstance(snr_db, bool) or not isinstance(snr_db, numbers.Real) or not np.isfinite(snr_db):
        raise ValueError(f"snr_db must be a finite number of decibels, got {snr_db!r}.")
    if rng is None:
        random_int = lambda high: int(np.random.randint(high))  # noqa: E731  (legacy global state, seeded by setup)
    else:
        generator = _generator(rng)
        random_int = lambda high: int(generator.integers(high))  # noqa: E731

    n, m = len(clean), len(noise)
    if m >= n:
        start = random_int(m - n + 1)
        segment = noise[start : start + n]
    else:
        start = random_int(m)
        reps = -(-(start + n) // m)  # ceil
        segment = np.tile(noise, reps)[start : start + n]
    c = clean.astype(np.float64)
    s = segment.astype(np.float64)
    clean_energy = float(np.dot(c, c))
    noise_energy = float(np.dot(s, s))
    if clean_energy == 0.0:
        raise ValueError("clean is silent (all zeros): its SNR against any noise is undefined.")
    if noise_energy == 0.0:
        raise ValueError(
            "the noise segment used is silent (all zeros), so no scale can reach the requested SNR; "
            "pass a noise recording with some energy."
        )
    scale = np.sqrt(clean_energy / (noise_energy * 10.0 ** (snr_db / 10.0)))
    dtype = _float_dtype(clean, noise)
    scaled = (scale * s).astype(dtype)
    noisy = (c + scale * s).astype(dtype)
    return (noisy, scaled) if return_noise else noisy


def si_sdr(reference, estimate):
    """Scale-invariant signal-to-distortion ratio in dB (Le Roux et al., 2019), zero-mean version.

    Both signals have their mean removed; the reference is then scaled by the
    factor that best fits the estimate, ``alpha = <estimate, reference> / ||reference||^2``,
    and ``SI-SDR = 10 * log10(||alpha * reference||^2 / ||estimate - alpha * reference||^2)``.
    Rescaling the estimate does not change it; higher is better; an estimate
    equal to the reference plus independent noise at x dB of SNR scores about x dB.

    Args:
        reference: the clean signal, shape (n,) or (batch, n); not constant.
        estimate: the signal to score, the same shape as ``reference``.

    Returns:
        A float (for 1-D inputs) or a float64 array of shape (batch,), in dB;
        ``inf`` when the estimate is an exact scaled copy of the reference.

    Raises:
        ValueError: if the shapes differ, are not (n,) or (batch, n), hold
            non-finite values, or a reference is constant (silent).
    """
    ref = np.asarray(reference, dtype=np.float64)
    est = np.asarray(estimate, dtype=np.float64)
    if ref.shape != est.shape:
        raise ValueError(
            f"reference and estimate must have the same shape, got {ref.shape} and {est.shape}; "
            "use pad_or_crop to bring them to one length."
        )
    if ref.ndim not in (1, 2) or ref.shape[-1] < 2:
        raise ValueError(f"expected waveforms of shape (n,) or (batch, n) with n >= 2, got {ref.shape}.")
    if not (np.all(np.isfinite(ref)) and np.all(np.isfinite(est))):
        raise ValueError("reference and estimate must not contain NaN or infinite samples.")
    ref = ref - ref.mean(axis=-1, keepdims=True)
    est = est - est.mean(axis=-1, keepdims=True)
    ref_energy = np.sum(ref * ref, axis=-1)
    if np.any(ref_energy == 0.0):
        raise ValueError("a reference signal is constant (silent after removing its mean): SI-SDR is undefined for it.")
    alpha = np.sum(est * ref, axis=-1) / ref_energy
    target = alpha[..., None] * ref
    error = est - target
    target_energy = np.sum(target * target, axis=-1)
    error_energy = np.sum(error * error, axis=-1)
    with np.errstate(divide="ignore"):
        value = 10.0 * np.log10(target_energy / error_energy)
    return float(value) if value.ndim == 0 else value


def _check_stft_args(n_fft, hop_length) -> tuple[int, int]:
    n_fft = positive_int(n_fft, "n_fft")
    hop_length = positive_int(hop_length, "hop_length")
    if hop_length > n_fft:
        raise ValueError(f"hop_length ({hop_length}) must not exceed n_fft ({n_fft}), or samples fall between frames.")
    return n_fft, hop_length


def stft_magnitude(signal, n_fft: int = N_FFT, hop_length: int = HOP_LENGTH, window: str = WINDOW):
    """Short-time Fourier transform of a waveform, split into magnitude and phase (librosa.stft).

    Frames are centred (the signal is zero-padded by ``n_fft // 2`` at both ends),
    so frame ``t`` describes the sound around time ``t * hop_length / sample_rate``.

    Args:
        signal: waveform, shape (samples,) or (batch, samples), at least one sample per clip.
        n_fft: frame length in samples (default 256: 32 ms at 8 kHz).
        hop_length: samples between frames (default 64: 8 ms at 8 kHz).
        window: window name understood by ``scipy.signal.get_window`` (default ``"hann"``).

    Returns:
        ``(magnitude, phase)``, both float32 of shape
        (..., n_fft // 2 + 1, 1 + samples // hop_length): the magnitude (linear,
        not dB; ``np.log1p`` or ``librosa.amplitude_to_db`` make it plottable)
        and the phase in radians, in (-pi, pi].

    Raises:
        ValueError: for a signal that is not (samples,) or (batch, samples), holds
            non-finite values, or for a bad ``n_fft``/``hop_length``.
    """
    n_fft, hop_length = _check_stft_args(n_fft, hop_length)
    x = np.asarray(signal)
    if (
        x.ndim not in (1, 2)
        or x.shape[-1] < 1
        or not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer))
    ):
        raise ValueError(
            f"signal must be a waveform of shape (samples,) or (batch, samples), got shape {x.shape}, dtype {x.dtype}."
        )
    if not np.all(np.isfinite(x)):
        raise ValueError("signal contains NaN or infinite samples.")
    import librosa

    spec = librosa.stft(x.astype(np.float32), n_fft=n_fft, hop_length=hop_length, window=window, center=True)
    return np.abs(spec).astype(np.float32), np.angle(spec).astype(np.float32)


def istft(
    magnitude, phase, length: int, n_fft: int = N_FFT, hop_length: int = HOP_LENGTH, window: str = WINDOW
) -> np.ndarray:
    """Rebuild a waveform from a magnitude and a phase (librosa.istft), trimmed or padded to ``length`` samples.

    With the magnitude and phase of :func:`stft_magnitude` and the same
    settings, this returns the original signal (relative error around 1e-7).
    A denoiser that only predicts a magnitude usually reuses the noisy phase.

    Args:
        magnitude: linear magnitudes, shape (..., n_fft // 2 + 1, frames), non-negative.
        phase: phases in radians, the same shape.
        length: samples in the output, normally the length of the original signal.
        n_fft, hop_length, window: as for :func:`stft_magnitude` (use the same values).

    Returns:
        float32 waveform of shape (..., length).

    Raises:
        ValueError: if the shapes differ, the number of frequency rows is not
            ``n_fft // 2 + 1``, the magnitude is negative or non-finite, or
            ``length`` is not a positive integer.
    """
    n_fft, hop_length = _check_stft_args(n_fft, hop_length)
    length = positive_int(length, "length")
    mag = np.asarray(magnitude, dtype=np.float32)
    ph = np.asarray(phase, dtype=np.float32)
    if mag.shape != ph.shape:
        raise ValueError(f"magnitude and phase must have the same shape, got {mag.shape} and {ph.shape}.")
    if mag.ndim < 2 or mag.shape[-2] != n_fft // 2 + 1:
        raise ValueError(
            f"expected spectrograms of shape (..., {n_fft // 2 + 1}, frames) for n_fft={n_fft}, got {mag.shape}; "
            "pass the n_fft used by stft_magnitude."
        )
    if not (np.all(np.isfinite(mag)) and np.all(np.isfinite(ph))):
        raise ValueError("magnitude and phase must not contain NaN or infinite values.")
    if np.any(mag < 0):
        raise ValueError(
            "magnitude must be non-negative (a linear magnitude, not dB); clip a model's output with np.maximum(m, 0)."
        )
    import librosa

    spec = mag * np.exp(1j * ph)
    return librosa.istft(spec, hop_length=hop_length, n_fft=n_fft, window=window, center=True, length=length).astype(
        np.float32
    )


def player_table(clips, rate: int = SAMPLE_RATE, row_labels=None, column_labels=None):
    """A table of audio players for a notebook: one player per clip, in rows and columns, with labels.

    Each clip is embedded as a 16-bit WAV (about 2 bytes per sample, plus a third for base64), so
    a second of 8 kHz audio adds about 21 kB to a saved notebook. Clips are clipped to [-1, 1]
    and played at their own level (not normalised), so that louder means louder.

    Args:
        clips: a list of rows, each a list of 1-D waveforms (or a 2-D/3-D array of them); a flat
            list of waveforms (or a 2-D array) makes one row.
        rate: sample rate in Hz.
        row_labels, column_labels: one label per row / column, or None.

    Returns:
        An ``IPython.display.HTML`` object; ``display`` it (or let it be a cell's last value).

    Raises:
        ValueError: for rows of unequal length, an empty table, a clip that is not a finite
            1-D waveform, a bad ``rate``, or labels that do not match the rows or columns.
    """
    import html

    from IPython.display import HTML, Audio

    rate = positive_int(rate, "rate", what="(samples per second)")
    if isinstance(clips, np.ndarray):
        table = [list(clips)] if clips.ndim == 2 else [list(row) for row in clips]
    else:
        table = list(clips)
        if table and not isinstance(table[0], (list, tuple)) and np.ndim(table[0]) == 1:
            table = [table]
        table = [list(row) for row in table]
    if not table or not table[0]:
        raise ValueError("clips is empty: give at least one waveform.")
    columns = len(table[0])
    if any(len(row) != columns for row in table):
        raise ValueError(f"every row must hold the same number of clips; got row lengths {[len(r) for r in table]}.")
    for name, labels, count in (("row_labels", row_labels, len(table)), ("column_labels", column_labels, columns)):
        if labels is not None and len(labels) != count:
            raise ValueError(f"{name} has {len(labels)} labels for {count} {name.split('_')[0]}s; give one each.")
    cell = "padding:2px 6px;text-align:left;font-size:12px"
    parts = ["<table>"]
    if column_labels is not None:
        parts.append(
            "<tr>"
            + ("<th></th>" if row_labels is not None else "")
            + "".join(f'<th style="{cell}">{html.escape(str(c))}</th>' for c in column_labels)
            + "</tr>"
        )
    for r, row in enumerate(table):
        parts.append("<tr>")
        if row_labels is not None:
            parts.append(f'<th style="{cell}">{html.escape(str(row_labels[r]))}</th>')
        for clip in row:
            wave = _signal(clip, "each clip")
            player = Audio(np.clip(wave, -1.0, 1.0), rate=rate, normalize=False)._repr_html_()
            player = player.replace("<audio ", '<audio style="width:190px" ', 1)
            parts.append(f'<td style="{cell}">{player}</td>')
        parts.append("</tr>")
    parts.append("</table>")
    return HTML("".join(parts))


def coloured_noise(length: int, exponent: float, rng=None) -> np.ndarray:
    """Gaussian noise whose power spectral density falls (or rises) as a power of frequency.

    The power at frequency f is proportional to ``f ** exponent``: ``exponent=0`` is white
    noise (flat), ``-1`` pink noise (equal power per octave: rain, wind, many machines),
    ``-2`` brown noise (a rumble, most of its power at low frequencies), ``+1`` blue noise
    (a hiss tilted towards high frequencies). White noise is shaped in the frequency
    domain; the frequency-0 bin is removed, so the noise has zero mean.

    Args:
        length: number of samples (a positive integer, at least 2).
        exponent: the spectral slope, a finite number, usually between -2 and 1.
        rng: a ``numpy.random.Generator``, an integer seed, or None.

    Returns:
        A float32 array of shape (length,), scaled to an RMS of 1.

    Raises:
        ValueError: for a bad ``length``, a non-finite ``exponent`` or a bad ``rng``.
    """
    length = positive_int(length, "length", what="(samples)")
    if length < 2:
        raise ValueError(f"length must be at least 2 samples for a noise with a spectrum, got {length}.")
    if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real) or not np.isfinite(exponent):
        raise ValueError(f"exponent must be a finite number (0 white, -1 pink, -2 brown), got {exponent!r}.")
    generator = _generator(rng)
    spectrum = np.fft.rfft(generator.standard_normal(length))
    frequency = np.arange(len(spectrum), dtype=np.float64)
    frequency[0] = 1.0
    spectrum *= frequency ** (exponent / 2.0)  # amplitude goes as the square root of power
    spectrum[0] = 0.0
    noise = np.fft.irfft(spectrum, n=length)
    return (noise / np.sqrt(np.mean(noise**2))).astype(np.float32)


def hum_noise(length: int, fundamental: float = 50.0, rate: int = SAMPLE_RATE, decay: float = 1.0, rng=None):
    """Mains hum: a tone at ``fundamental`` Hz and all its harmonics up to the Nyquist frequency.

    Electrical interference from the power grid (50 Hz in Europe, 60 Hz in the Americas)
    reaches recordings as a steady buzz: the fundamental and its multiples, with
    amplitudes falling as ``1 / k ** decay`` for the k-th harmonic, each at a random phase.
    Unlike white, coloured or babble noise, its power sits in a few narrow lines.

    Args:
        length: number of samples (a positive integer).
        fundamental: the hum's frequency in Hz, positive and below ``rate / 2``.
        rate: sample rate in Hz.
        decay: how fast the harmonics fade (a number >= 0; 0 = all equally loud, 1 = as 1/k).
        rng: a ``numpy.random.Generator``, an integer seed, or None (draws the phases).

    Returns:
        A float32 array of shape (length,), scaled to an RMS of 1.

    Raises:
        ValueError: for a bad ``length`` or ``rate``, a ``fundamental`` outside (0, rate / 2),
            a negative or non-finite ``decay``, or a bad ``rng``.
    """
    length = positive_int(length, "length", what="(samples)")
    rate = positive_int(rate, "rate", what="(samples per second)")
    for name, value in (("fundamental", fundamental), ("decay", decay)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}.")
    if not 0 < fundamental < rate / 2:
        raise ValueError(f"fundamental must lie between 0 and rate / 2 = {rate / 2} Hz, got {fundamental}.")
    if decay < 0:
        raise ValueError(f"decay must be >= 0 (0: all harmonics equally loud), got {decay}.")
    generator = _generator(rng)
    harmonics = np.arange(1, int(np.ceil(rate / 2 / fundamental)))
    harmonics = harmonics[harmonics * fundamental < rate / 2]
    t = np.arange(length) / rate
    phases = generator.uniform(0, 2 * np.pi, len(harmonics))
    hum = np.zeros(length)
    for k, phase in zip(harmonics, phases):
        hum += np.sin(2 * np.pi * k * fundamental * t + phase) / k**decay
    return (hum / np.sqrt(np.mean(hum**2))).astype(np.float32)

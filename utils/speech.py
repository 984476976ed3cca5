"""Speech denoising helpers: the noises, training crops, classical methods and measures of notebook 07.

Notebook 07 writes out its mask estimator and its loss where it teaches them and imports the rest from
here; its deep dive 07a imports everything from here. ``tests/test_lesson_speech.py`` checks that the
notebook's copies compute the same as these.

    split                       -- training, validation (take 5) and test clips of the FSDD
    make_noise, noisy_version   -- the noise kinds (training family, hum, siren) and a noisy clip with
                                   its noise-only clip, at an exact SNR
    training_set                -- noisy half-second crops with their phase-sensitive targets
    spectrogram_denoiser, phase_sensitive_loss, enhance
                                -- the mask estimator, its loss, and whole clips through it
    CLASSICAL, tune             -- spectral subtraction, a Wiener filter and noisereduce, each with its
                                   grid of settings, tuned on validation clips
    oracle_mask, phase_sensitive_oracle
                                -- the two masks computed from the clean speech (references)
    scores, paired_margin       -- SI-SDR per clip, STOI and PESQ per segment of joined clips; a mean
                                   difference with its 95 % interval
    verdict, margin_table, lead_summary
                                -- a margin called a lead, a tie or a deficit; the table and the counts
                                   that notebook 07's prose shows

Every function takes the clips it needs as arguments (babble draws on ``voices``, the training clips
and their speakers), so nothing here depends on a notebook's globals.
"""

from __future__ import annotations

import numpy as np

from .audio import HOP_LENGTH, N_FFT, SAMPLE_RATE, coloured_noise, hum_noise, istft, mix_at_snr, si_sdr, stft_magnitude

#: The noise kinds the mask estimator trains on, a new draw for every crop.
TRAINING_NOISES = ("white", "coloured", "babble", "mixture")
#: Frequency bins the network sees (the top bin of 129 is dropped, so 128 halves three times).
FREQ_BINS = 128
#: Training crops: 64 frames of 8 ms, about half a second.
CROP_FRAMES = 64
#: Clips joined into one segment for STOI and PESQ (about 9 s of FSDD speech).
SEGMENT = 20


def split(fsdd, n_validation: int, n_test: int | None = None):
    """((train clips, speakers), (validation clips, speakers), (test clips, speakers)) of an FSDD.

    The validation clips are ``n_validation`` training clips of take 5, spread evenly over its speakers
    and digits (take 5 holds one clip per speaker and digit); the training clips are all the others. The
    test clips are the first ``n_test`` of the test split (None: all).
    """
    takes = np.asarray(fsdd.takes_train)
    take5 = np.flatnonzero(takes == 5)
    if not 1 <= n_validation <= len(take5):
        raise ValueError(f"n_validation must be between 1 and {len(take5)} (the clips of take 5), got {n_validation}.")
    val = take5[np.linspace(0, len(take5) - 1, n_validation).round().astype(int)]
    train = np.setdiff1d(np.arange(len(takes)), val)
    pick = lambda clips, speakers, rows: ([clips[i] for i in rows], np.asarray(speakers)[rows])  # noqa: E731
    test = np.arange(len(fsdd.x_test))[:n_test]
    return (
        pick(fsdd.x_train, fsdd.speakers_train, train),
        pick(fsdd.x_train, fsdd.speakers_train, val),
        pick(fsdd.x_test, fsdd.speakers_test, test),
    )


def babble(length: int, speaker: str, rng, voices) -> np.ndarray:
    """Four clips of speakers other than ``speaker`` from ``voices = (clips, speakers)``, at RMS 1, looped, summed."""
    clips, speakers = voices
    others = np.flatnonzero(np.asarray(speakers) != speaker)
    if len(others) < 4:
        raise ValueError(f"babble needs at least 4 clips of speakers other than {speaker!r}; voices has {len(others)}.")
    out = np.zeros(length, "float32")
    for i in rng.choice(others, 4, replace=False):
        clip = clips[i] / np.sqrt(np.mean(clips[i] ** 2))
        start = rng.integers(len(clip))
        out += np.tile(clip, length // len(clip) + 2)[start : start + length]
    return out


def siren(length: int, rng, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A siren: a tone gliding up and down between 600 and 1400 Hz every 0.5-2 s, with its second harmonic."""
    period = rng.uniform(0.5, 2.0)
    t = np.arange(length) / rate + rng.uniform(0, period)
    frequency = 1000 + 400 * np.sin(2 * np.pi * t / period)
    phase = 2 * np.pi * np.cumsum(frequency) / rate
    tone = np.sin(phase) + 0.5 * np.sin(2 * phase)
    return (tone / np.sqrt(np.mean(tone**2))).astype("float32")


def make_noise(kind: str, length: int, speaker: str, rng, voices) -> np.ndarray:
    """A noise recording of ``length`` samples of one kind; ``speaker`` is the voice babble must not contain."""
    if kind == "white":
        return rng.standard_normal(length).astype("float32")
    if kind == "coloured":  # power proportional to frequency ** exponent: -2 brown, -1 pink, 0 white, 1 blue
        return coloured_noise(length, rng.uniform(-2, 1), rng=rng)
    if kind == "babble":
        return babble(length, speaker, rng, voices)
    if kind == "mixture":  # two of the kinds above, the second between 6 dB quieter and 6 dB louder
        kinds = rng.choice(["white", "coloured", "babble"], 2, replace=False)
        first, second = (make_noise(k, length, speaker, rng, voices) for k in kinds)
        gain = 10 ** (rng.uniform(-6, 6) / 20) * np.sqrt(np.mean(first**2) / np.mean(second**2))
        return (first + gain * second).astype("float32")
    if kind == "hum":  # mains hum, 50 or 60 Hz, with all its harmonics
        return hum_noise(length, fundamental=float(rng.choice([50, 60])), rng=rng)
    if kind == "siren":
        return siren(length, rng)
    raise ValueError(f"unknown noise kind {kind!r}: use one of {TRAINING_NOISES + ('hum', 'siren')}.")


def noisy_version(clean, kind: str, snr_db: float, speaker: str, rng, voices):
    """(noisy clip, noise-only clip of the same recording and level, 1 s long)."""
    recording = make_noise(kind, len(clean) + SAMPLE_RATE, speaker, rng, voices)
    noisy, scaled_noise = mix_at_snr(clean, recording[: len(clean)], snr_db, rng=rng, return_noise=True)
    reference = recording[len(clean) :]
    reference = reference * np.sqrt(np.mean(scaled_noise**2) / np.mean(reference**2))
    return noisy.astype("float32"), reference.astype("float32")


def noisy_sets(clips, speakers, kinds, snrs, voices, seed: int) -> dict:
    """{(kind, snr): [(noisy, noise-only) for each clip]}, each condition from its own seeded generator."""
    sets = {}
    for c, (kind, snr) in enumerate((k, s) for k in kinds for s in snrs):
        rng = np.random.default_rng(seed + c)
        sets[kind, snr] = [noisy_version(x, kind, snr, s, rng, voices) for x, s in zip(clips, speakers)]
    return sets


def noise_power(noise_clip) -> np.ndarray:
    """Mean power of a noise-only clip in each frequency bin, shape (129, 1)."""
    return np.mean(stft_magnitude(noise_clip)[0] ** 2, axis=1, keepdims=True)


def model_inputs(noisy_magnitude, noise_clip) -> np.ndarray:
    """The two input channels for one clip, (128, frames, 2): log power, and log power above the noise's."""
    log_power = 2 * np.log(noisy_magnitude[:FREQ_BINS] + 1e-4)
    above_noise = log_power - np.log(noise_power(noise_clip)[:FREQ_BINS] + 1e-8)
    return np.stack([log_power, above_noise], axis=-1)


def training_set(clips, speakers, kinds, copies: int, rng, voices):
    """(inputs, targets) for ``copies`` noisy half-second crops of every clip, the noise drawn from ``kinds``.

    The SNR of each crop is drawn between -2 and 12 dB. Targets hold the noisy magnitude and the
    phase-sensitive clean magnitude (clipped to [0, noisy]), both divided by the crop's RMS magnitude.
    Inputs are not yet standardised.
    """
    crop = (CROP_FRAMES - 1) * HOP_LENGTH  # samples that give exactly CROP_FRAMES frames
    inputs, targets = [], []
    for x, speaker in zip(clips, speakers):
        for _ in range(copies):
            start = rng.integers(max(len(x) - crop, 0) + 1)
            clean = np.pad(x[start : start + crop], (0, max(crop - len(x), 0)))
            kind = kinds[rng.integers(len(kinds))]
            noisy, reference = noisy_version(clean, kind, rng.uniform(-2, 12), speaker, rng, voices)
            noisy_magnitude, noisy_phase = stft_magnitude(noisy)
            clean_magnitude, clean_phase = stft_magnitude(clean)
            target = np.clip(clean_magnitude * np.cos(clean_phase - noisy_phase), 0, noisy_magnitude)
            scale = np.sqrt(np.mean(noisy_magnitude[:FREQ_BINS] ** 2))  # each crop at the same loudness
            inputs.append(model_inputs(noisy_magnitude, reference))
            targets.append(np.stack([noisy_magnitude[:FREQ_BINS], target[:FREQ_BINS]], axis=-1) / scale)
    return np.array(inputs, "float32"), np.array(targets, "float32")


def spectrogram_denoiser(batch_norm: bool = False):
    """Three conv blocks down, three transposed-conv blocks up, a sigmoid mask: (128, T, 2) -> (128, T, 1)."""
    import keras

    from . import models

    blocks = dict(batch_norm=batch_norm)
    return keras.Sequential(
        [
            keras.Input(shape=(FREQ_BINS, None, 2)),
            models.conv_block(32, "conv_block_1", **blocks),
            models.conv_block(64, "conv_block_2", **blocks),
            models.conv_block(128, "conv_block_3", **blocks),
            models.deconv_block(64, "deconv_block_1", **blocks),
            models.deconv_block(32, "deconv_block_2", **blocks),
            models.deconv_block(32, "deconv_block_3", **blocks),
            keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="mask"),
        ],
        name="spectrogram_denoiser",
    )


def phase_sensitive_loss(targets, mask):
    """Mean squared error between the masked noisy magnitude and the phase-sensitive clean magnitude."""
    import keras

    return keras.ops.mean(keras.ops.square(mask[..., 0] * targets[..., 0] - targets[..., 1]))


def enhance(model, pairs, feature_mean, feature_std, batch_size: int = 32) -> list:
    """Whole clips through the mask estimator: mask each noisy magnitude, rebuild with the noisy phase.

    pairs: list of (noisy clip, noise-only clip); feature_mean, feature_std: the standardisation of the
    training inputs, shape (128, 1, 2).
    """
    spectra = [stft_magnitude(noisy) for noisy, _ in pairs]
    frames = int(np.ceil(max(m.shape[1] for m, _ in spectra) / 8) * 8)
    batch = np.zeros((len(pairs), FREQ_BINS, frames, 2), "float32")  # padding = the average input
    for i, ((m, _), (_, noise_clip)) in enumerate(zip(spectra, pairs)):
        batch[i, :, : m.shape[1]] = (model_inputs(m, noise_clip) - feature_mean) / feature_std
    masks = model.predict(batch, verbose=0, batch_size=batch_size)[..., 0]
    out = []
    for (m, phase), mask, (noisy, _) in zip(spectra, masks, pairs):
        mask = np.concatenate([mask[:, : m.shape[1]], mask[-1:, : m.shape[1]]])  # top bin: copy its neighbour
        out.append(istft(mask * m, phase, len(noisy)))
    return out


def spectral_subtraction(noisy, noise_clip, floor: float = 0.02, over: float = 1.0):
    """Boll (1979), with Berouti's over-subtraction: power - over * noise power, at least floor * power."""
    magnitude, phase = stft_magnitude(noisy)
    power = np.maximum(magnitude**2 - over * noise_power(noise_clip), floor * magnitude**2)
    return istft(np.sqrt(power), phase, len(noisy))


def wiener(noisy, noise_clip, alpha: float = 0.98, xi_min: float = 0.0):
    """Decision-directed Wiener filter (Ephraim and Malah 1984): gain xi / (1 + xi), xi at least xi_min."""
    magnitude, phase = stft_magnitude(noisy)
    noise = noise_power(noise_clip)[:, 0]
    posterior_snr = magnitude**2 / noise[:, None]
    cleaned, previous = np.empty_like(magnitude), np.zeros_like(noise)
    for t in range(magnitude.shape[1]):
        prior_snr = alpha * previous / noise + (1 - alpha) * np.maximum(posterior_snr[:, t] - 1, 0)
        prior_snr = np.maximum(prior_snr, xi_min)
        cleaned[:, t] = prior_snr / (1 + prior_snr) * magnitude[:, t]
        previous = cleaned[:, t] ** 2
    return istft(cleaned, phase, len(noisy))


def noisereduce_stationary(noisy, noise_clip, prop_decrease: float = 1.0, n_std: float = 1.5):
    """noisereduce's stationary spectral gate (Sainburg et al. 2020), given the noise-only clip."""
    import noisereduce

    return noisereduce.reduce_noise(
        y=noisy,
        sr=SAMPLE_RATE,
        y_noise=noise_clip,
        stationary=True,
        n_fft=N_FFT,
        prop_decrease=prop_decrease,
        n_std_thresh_stationary=n_std,
    )


#: Each classical method with its grid of settings (keyword arguments); the first entry is the default.
CLASSICAL = {
    "spectral subtraction": (
        spectral_subtraction,
        [dict(floor=f, over=o) for f in (0.02, 0.002, 0.005, 0.1) for o in (1.0, 2.0, 3.0, 4.0, 6.0)],
    ),
    "Wiener filter": (
        wiener,
        [dict(alpha=a, xi_min=x) for a in (0.98, 0.8, 0.9, 0.95) for x in (0.0, 0.01, 0.03, 0.1)],
    ),
    "noisereduce": (
        noisereduce_stationary,
        [dict(prop_decrease=p, n_std=n) for p in (1.0, 0.6, 0.8) for n in (1.5, 0.5, 1.0, 2.0)],
    ),
}


def tune(method, grid, pairs, clean):
    """The setting of ``grid`` with the highest mean SI-SDR on ``pairs`` (validation clips): (setting, SI-SDR)."""
    mean_sdr = [np.mean([si_sdr(x, method(n, r, **p)) for (n, r), x in zip(pairs, clean)]) for p in grid]
    best = int(np.argmax(mean_sdr))
    return grid[best], float(mean_sdr[best])


def ratio_mask(speech_magnitude, noise_magnitude):
    """The ideal ratio mask sqrt(|S|^2 / (|S|^2 + |N|^2))."""
    return np.sqrt(speech_magnitude**2 / (speech_magnitude**2 + noise_magnitude**2 + 1e-12))


def oracle_mask(noisy, clean):
    """The noisy clip masked with the ideal ratio mask of the true speech and noise."""
    magnitude, phase = stft_magnitude(noisy)
    mask = ratio_mask(stft_magnitude(clean)[0], stft_magnitude(noisy - clean)[0])
    return istft(mask * magnitude, phase, len(noisy))


def phase_sensitive_oracle(noisy, clean):
    """The noisy clip masked with the best mask in [0, 1] for each cell (the phase-sensitive target)."""
    magnitude, phase = stft_magnitude(noisy)
    clean_magnitude, clean_phase = stft_magnitude(clean)
    target = np.clip(clean_magnitude * np.cos(clean_phase - phase), 0, magnitude)
    return istft(target, phase, len(noisy))


def _pesq():
    try:  # PESQ's package is built from source at install time; without it, PESQ is NaN
        from pesq import pesq

        return pesq
    except ImportError:
        return None


def scores(clean, outputs, segment: int = SEGMENT) -> dict:
    """SI-SDR per clip (dB); STOI and narrow-band PESQ per segment of ``segment`` consecutive clips joined.

    Returns {"si_sdr": (n,), "stoi": (segments,), "pesq": (segments,)} arrays; PESQ is NaN where the
    ``pesq`` package is missing. Outputs are clipped to [-1, 1] for STOI and PESQ, as a player would.
    """
    from pystoi import stoi

    pesq = _pesq()
    sdr = np.array([si_sdr(x, y) for x, y in zip(clean, outputs)])
    clipped = [np.clip(y, -1, 1) for y in outputs]
    starts = range(0, len(clean), segment)
    joined = [(np.concatenate(clean[g : g + segment]), np.concatenate(clipped[g : g + segment])) for g in starts]
    intelligibility = np.array([stoi(x, y, SAMPLE_RATE) for x, y in joined])
    quality = np.array([pesq(SAMPLE_RATE, x, y, "nb") if pesq else np.nan for x, y in joined])
    return {"si_sdr": sdr, "stoi": intelligibility, "pesq": quality}


def paired_margin(a, b) -> tuple[float, float]:
    """Mean of a - b over paired measurements, and the half-width of its 95 % confidence interval (t)."""
    from scipy import stats

    diff = np.asarray(a, float) - np.asarray(b, float)
    if len(diff) < 2 or np.isnan(diff).any():
        return float(np.mean(diff)), float("nan")
    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    return float(diff.mean()), float(half)


MEASURE_NAMES = {"si_sdr": "SI-SDR", "stoi": "STOI", "pesq": "PESQ"}
SHORT_NAMES = {"spectral subtraction": "subtraction", "Wiener filter": "Wiener", "noisereduce": "noisereduce"}


def verdict(mean: float, half: float) -> str:
    """ "ahead" when the 95 % interval mean ± half lies above zero, "behind" when below, else "tied"."""
    return "ahead" if mean - half > 0 else "behind" if mean + half < 0 else "tied"


def margin_table(results: dict, margins: dict, best: dict) -> str:
    """Markdown: a row per condition (noise, SNR); per measure, the autoencoder's mean test score and its
    margin over the classical method ``best[condition, measure]`` (named), ± the 95 % half-width, bold
    where it is a lead. ``results[condition][method][measure]`` are means; ``margins[condition, measure]``
    are ``paired_margin`` pairs."""
    measures = [k for k in MEASURE_NAMES if any(key[1] == k for key in margins)]
    conditions = list(dict.fromkeys(c for c, _ in margins))

    def cell(c, k):
        (mean, half), digits = margins[c, k], 3 if k == "stoi" else 2
        text = f"{mean:+.{digits}f} ± {half:.{digits}f} ({SHORT_NAMES.get(best[c, k], best[c, k])})"
        lead = verdict(mean, half) == "ahead"
        return f"{results[c]['autoencoder'][k]:.{digits}f} | " + (f"**{text}**" if lead else text)

    header = "| noise | SNR | " + " | ".join(f"{MEASURE_NAMES[k]} | margin" for k in measures) + " |\n"
    rows = [f"| {c[0]} | {c[1]} dB | " + " | ".join(cell(c, k) for k in measures) + " |" for c in conditions]
    return header + "|---" * (2 + 2 * len(measures)) + "|\n" + "\n".join(rows)


def lead_summary(results: dict, margins: dict, classical) -> dict:
    """What the margins say, for the prose: ``counts`` (verdict -> [(condition, measure)]), ``by_noise``
    ("9 of 9 on white, ..."), ``by_measure`` ("SI-SDR 6, ..."), ``sdr`` (the SI-SDR margins), and ``beaten``,
    the conditions where a classical method's mean beats the autoencoder's, with the measures and methods
    ("hum at 0 dB by all three measures (Wiener filter)"; "" when none)."""
    conditions = list(dict.fromkeys(c for c, _ in margins))
    noises = list(dict.fromkeys(c[0] for c in conditions))
    measures = [k for k in MEASURE_NAMES if any(key[1] == k for key in margins)]
    verdicts = {key: verdict(*m) for key, m in margins.items()}
    counts = {v: [key for key in margins if verdicts[key] == v] for v in ("ahead", "tied", "behind")}
    per_noise = {n: sum(v == "ahead" for (c, _), v in verdicts.items() if c[0] == n) for n in noises}
    total = {n: sum(c[0] == n for c, _ in margins) for n in noises}
    beaten = {}
    for c, k in margins:
        top = max(classical, key=lambda m: results[c][m][k])
        if results[c][top][k] > results[c]["autoencoder"][k]:
            beaten.setdefault(c, []).append((MEASURE_NAMES[k], top))
    return {
        "counts": counts,
        "by_noise": ", ".join(f"{per_noise[n]} of {total[n]} on {n}" for n in noises),
        "by_measure": ", ".join(
            f"{MEASURE_NAMES[k]} {sum(verdicts[c, k] == 'ahead' for c in conditions)}" for k in measures
        ),
        "sdr": [margins[c, "si_sdr"][0] for c in conditions if (c, "si_sdr") in margins],
        "beaten": "; ".join(
            f"{c[0]} at {c[1]} dB by "
            + ("all three measures" if len(v) == 3 else ", ".join(k for k, _ in v))
            + f" ({', '.join(sorted({m for _, m in v}))})"
            for c, v in beaten.items()
        ),
    }

"""utils.audio: noise mixed at an exact SNR, SI-SDR, the STFT round trip, padding; and their refusals."""

import numpy as np
import pytest

from utils import audio

RATE = 8000


def speechlike(n=4000, seed=0):
    """A voiced-looking test signal: a few harmonics under a syllable envelope, plus a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    x = sum(np.sin(2 * np.pi * 140 * k * t + rng.uniform(0, 6)) / k for k in range(1, 12))
    return (x * np.hanning(n) * 0.3 + 0.001 * rng.standard_normal(n)).astype(np.float64)


def measured_snr(clean, noise):
    clean, noise = np.asarray(clean, np.float64), np.asarray(noise, np.float64)
    return 10 * np.log10(np.sum(clean**2) / np.sum(noise**2))


@pytest.mark.parametrize("snr", [0.0, 5.0, 10.0])
@pytest.mark.parametrize("noise_len", [1337, 4000, 20000])  # shorter than, as long as, longer than the clean signal
def test_mix_at_snr_hits_the_requested_snr(snr, noise_len):
    clean = speechlike(4000)
    noise = np.random.default_rng(1).standard_normal(noise_len)
    noisy, scaled = audio.mix_at_snr(clean, noise, snr, rng=3, return_noise=True)
    assert noisy.shape == clean.shape == scaled.shape
    np.testing.assert_allclose(noisy, clean + scaled, atol=1e-12)
    assert abs(measured_snr(clean, scaled) - snr) < 1e-6
    assert abs(measured_snr(clean, noisy - clean) - snr) < 1e-6


def test_mix_at_snr_float32_stays_float32_and_exact():
    clean = speechlike(3000).astype(np.float32)
    noise = np.random.default_rng(2).standard_normal(700).astype(np.float32)
    noisy, scaled = audio.mix_at_snr(clean, noise, 5.0, rng=0, return_noise=True)
    assert noisy.dtype == np.float32 and scaled.dtype == np.float32
    assert abs(measured_snr(clean, scaled) - 5.0) < 1e-6


def segment_start(segment, noise):
    """Where ``segment`` (a scaled copy of a stretch of ``noise``) starts, and how well it matches (1.0: exactly)."""
    n = len(segment)
    dots = np.correlate(noise, segment, mode="valid")
    norms = np.sqrt(np.convolve(noise**2, np.ones(n), mode="valid")) * np.linalg.norm(segment)
    match = np.abs(dots) / norms
    return int(np.argmax(match)), float(match.max())


def test_noise_is_a_random_segment_tiled_or_cropped():
    clean = speechlike(1000)
    long_noise = np.random.default_rng(4).standard_normal(5000)
    starts = set()
    for seed in range(6):
        _, scaled = audio.mix_at_snr(clean, long_noise, 0.0, rng=seed, return_noise=True)
        start, match = segment_start(scaled, long_noise)
        assert match > 1 - 1e-9  # an unaltered, contiguous stretch of the noise
        starts.add(start)
    assert len(starts) > 1  # different seeds draw different stretches
    short_noise = np.random.default_rng(5).standard_normal(300)
    _, tiled = audio.mix_at_snr(clean, short_noise, 0.0, rng=7, return_noise=True)
    np.testing.assert_allclose(tiled[300:], tiled[:-300], rtol=1e-12)  # a short noise repeats with its period
    start, match = segment_start(tiled[:300], np.tile(short_noise, 2))
    assert match > 1 - 1e-9
    again = audio.mix_at_snr(clean, long_noise, 0.0, rng=np.random.default_rng(11))
    np.testing.assert_array_equal(again, audio.mix_at_snr(clean, long_noise, 0.0, rng=np.random.default_rng(11)))


def test_mix_at_snr_without_rng_follows_numpys_seed():
    clean, noise = speechlike(500), np.random.default_rng(6).standard_normal(4000)
    np.random.seed(123)
    first = audio.mix_at_snr(clean, noise, 3.0)
    np.random.seed(123)
    np.testing.assert_array_equal(first, audio.mix_at_snr(clean, noise, 3.0))


def test_si_sdr_of_a_scaled_copy_is_huge_and_scale_invariant():
    ref = speechlike(4000)
    assert audio.si_sdr(ref, 0.37 * ref) > 100
    assert audio.si_sdr(ref, ref) > 100
    est = ref + 0.1 * np.random.default_rng(0).standard_normal(4000)
    base = audio.si_sdr(ref, est)
    assert isinstance(base, float)
    for factor in (0.01, 0.5, 3.0, 250.0):
        assert abs(audio.si_sdr(ref, factor * est) - base) < 1e-9
    assert abs(audio.si_sdr(ref, est + 0.25) - base) < 1e-9  # zero-mean version: an offset does not count


@pytest.mark.parametrize("snr", [0.0, 5.0, 10.0, 20.0])
def test_si_sdr_of_signal_plus_independent_noise_matches_its_snr(snr):
    ref = np.tile(speechlike(8000, seed=1), 10)  # 10 s, long enough for noise and speech to be nearly uncorrelated
    noise = np.random.default_rng(9).standard_normal(len(ref))
    noisy = audio.mix_at_snr(ref - ref.mean(), noise - noise.mean(), snr, rng=0)
    assert abs(audio.si_sdr(ref, noisy) - snr) < 0.1


def test_si_sdr_batch():
    ref = np.stack([speechlike(2000, seed=s) for s in range(3)])
    est = ref + 0.05 * np.random.default_rng(1).standard_normal(ref.shape)
    batch = audio.si_sdr(ref, est)
    assert batch.shape == (3,)
    np.testing.assert_allclose(batch, [audio.si_sdr(r, e) for r, e in zip(ref, est)])


@pytest.mark.parametrize("n", [4001, 2560, 900])
def test_stft_round_trip(n):
    x = speechlike(n).astype(np.float32)
    magnitude, phase = audio.stft_magnitude(x)
    assert magnitude.shape == phase.shape == (audio.N_FFT // 2 + 1, 1 + n // audio.HOP_LENGTH)
    assert magnitude.dtype == np.float32 and magnitude.min() >= 0
    assert np.all(np.abs(phase) <= np.pi + 1e-6)
    y = audio.istft(magnitude, phase, length=n)
    assert y.shape == (n,) and y.dtype == np.float32
    assert np.linalg.norm(y - x) / np.linalg.norm(x) < 1e-5


def test_stft_round_trip_batch_and_other_settings():
    x = np.stack([speechlike(3000, seed=s) for s in range(2)]).astype(np.float32)
    magnitude, phase = audio.stft_magnitude(x, n_fft=512, hop_length=128)
    assert magnitude.shape == (2, 257, 1 + 3000 // 128)
    y = audio.istft(magnitude, phase, length=3000, n_fft=512, hop_length=128)
    assert y.shape == (2, 3000)
    assert np.linalg.norm(y - x) / np.linalg.norm(x) < 1e-5


def test_istft_pads_or_trims_to_length():
    x = speechlike(2000).astype(np.float32)
    magnitude, phase = audio.stft_magnitude(x)
    assert audio.istft(magnitude, phase, length=1500).shape == (1500,)
    longer = audio.istft(magnitude, phase, length=2600)
    assert longer.shape == (2600,)
    np.testing.assert_allclose(longer[:2000], x, atol=1e-5)


def test_pad_or_crop():
    x = np.arange(1, 6, dtype=np.float32)
    np.testing.assert_array_equal(audio.pad_or_crop(x, 8), [1, 2, 3, 4, 5, 0, 0, 0])
    np.testing.assert_array_equal(audio.pad_or_crop(x, 3), [1, 2, 3])
    assert audio.pad_or_crop(x, 5) is not x and audio.pad_or_crop(x, 8).dtype == np.float32
    batch = np.ones((2, 4))
    assert audio.pad_or_crop(batch, 6).shape == (2, 6) and audio.pad_or_crop(batch, 6)[:, 4:].sum() == 0


GOOD = speechlike(1000)
NOISE = np.random.default_rng(0).standard_normal(1000)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: audio.mix_at_snr(GOOD.reshape(10, 100), NOISE, 5), "1-D"),
        (lambda: audio.mix_at_snr(GOOD, np.array([]), 5), "at least 1"),
        (lambda: audio.mix_at_snr(np.zeros(100), NOISE, 5), "clean is silent"),
        (lambda: audio.mix_at_snr(GOOD, np.zeros(100), 5), "noise segment used is silent"),
        (lambda: audio.mix_at_snr(GOOD, NOISE, float("nan")), "finite number"),
        (lambda: audio.mix_at_snr(GOOD, NOISE, "5"), "finite number"),
        (lambda: audio.mix_at_snr(GOOD, NOISE, 5, rng="seed"), "rng must be"),
        (lambda: audio.mix_at_snr(np.array([0.1, np.nan]), NOISE, 5), "NaN"),
        (lambda: audio.si_sdr(GOOD, GOOD[:-1]), "same shape"),
        (lambda: audio.si_sdr(np.ones(100), GOOD[:100]), "constant"),
        (lambda: audio.si_sdr(np.zeros((2, 2, 5)), np.zeros((2, 2, 5))), r"\(n,\) or \(batch, n\)"),
        (lambda: audio.stft_magnitude(np.zeros((2, 2, 100))), "waveform of shape"),
        (lambda: audio.stft_magnitude(GOOD, n_fft=0), "n_fft must be a positive integer"),
        (lambda: audio.stft_magnitude(GOOD, n_fft=64, hop_length=128), "must not exceed n_fft"),
        (lambda: audio.istft(np.ones((129, 5)), np.ones((129, 6)), 300), "same shape"),
        (lambda: audio.istft(np.ones((100, 5)), np.ones((100, 5)), 300), "n_fft=256"),
        (lambda: audio.istft(-np.ones((129, 5)), np.ones((129, 5)), 300), "non-negative"),
        (lambda: audio.istft(np.ones((129, 5)), np.ones((129, 5)), 0), "length must be a positive integer"),
        (lambda: audio.pad_or_crop(GOOD, -1), "positive integer"),
        (lambda: audio.pad_or_crop(GOOD, 2.5), "positive integer"),
        (lambda: audio.pad_or_crop(GOOD, True), "positive integer"),
        (lambda: audio.pad_or_crop(3.0, 4), "single number"),
    ],
)
def test_bad_inputs_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()

"""utils.audio noise generators: coloured noise with a given spectral slope, mains hum; and their refusals."""

import numpy as np
import pytest

from utils import audio


def band_power(x, low, high, rate=8000):
    """Mean power spectral density of ``x`` between ``low`` and ``high`` Hz (periodogram)."""
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    return spectrum[(freqs >= low) & (freqs < high)].mean()


@pytest.mark.parametrize("exponent", [-2.0, -1.0, 0.0, 1.0])
def test_coloured_noise_has_the_requested_slope(exponent):
    x = audio.coloured_noise(80000, exponent, rng=0)
    assert x.shape == (80000,) and x.dtype == np.float32
    assert abs(np.sqrt(np.mean(x.astype(np.float64) ** 2)) - 1) < 1e-4
    assert abs(np.mean(x)) < 1e-4
    # power per octave band centre: the slope between 250 Hz and 2 kHz (3 octaves) in log-log
    low, high = band_power(x, 200, 300), band_power(x, 1600, 2400)
    slope = np.log(high / low) / np.log(2000 / 250)
    assert abs(slope - exponent) < 0.25


def test_coloured_noise_is_reproducible_and_random():
    a, b = audio.coloured_noise(1000, -1, rng=3), audio.coloured_noise(1000, -1, rng=3)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, audio.coloured_noise(1000, -1, rng=4))
    generator = np.random.default_rng(0)
    assert not np.allclose(audio.coloured_noise(500, 0, rng=generator), audio.coloured_noise(500, 0, rng=generator))


@pytest.mark.parametrize("fundamental", [50.0, 60.0])
def test_hum_puts_its_power_on_the_harmonics(fundamental):
    x = audio.hum_noise(8000, fundamental, rng=1)
    assert x.shape == (8000,) and x.dtype == np.float32
    assert abs(np.sqrt(np.mean(x.astype(np.float64) ** 2)) - 1) < 1e-4
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64))) ** 2  # 1 s at 8 kHz: bins 1 Hz apart
    lines = np.arange(fundamental, 4000, fundamental).astype(int)
    assert spectrum[lines].sum() > 0.999 * spectrum.sum()
    # amplitudes fall as 1/k: the 4th harmonic has 1/16 of the fundamental's power
    assert abs(spectrum[lines[3]] / spectrum[lines[0]] - 1 / 16) < 1e-3


def test_hum_decay_zero_gives_equal_harmonics():
    x = audio.hum_noise(8000, 100.0, decay=0.0, rng=2).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    lines = spectrum[np.arange(100, 4000, 100)]
    np.testing.assert_allclose(lines, lines[0], rtol=1e-3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(length=0, exponent=0.0), "length"),
        (dict(length=1, exponent=0.0), "at least 2"),
        (dict(length=100.0, exponent=0.0), "length"),
        (dict(length=100, exponent=float("nan")), "exponent"),
        (dict(length=100, exponent="pink"), "exponent"),
        (dict(length=100, exponent=0.0, rng="seed"), "rng"),
    ],
)
def test_coloured_noise_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        audio.coloured_noise(**kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(length=-5), "length"),
        (dict(length=100, fundamental=0.0), "fundamental"),
        (dict(length=100, fundamental=4000.0), "fundamental"),
        (dict(length=100, fundamental=float("inf")), "fundamental"),
        (dict(length=100, decay=-1.0), "decay"),
        (dict(length=100, rate=0), "rate"),
        (dict(length=100, rng=1.5), "rng"),
    ],
)
def test_hum_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        audio.hum_noise(**kwargs)

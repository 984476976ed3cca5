"""utils/spectrograms.py, notebook 09's machinery: the split, the spectrograms and the way back, the
distance in dB, the VAE's loss, the instrument's guard, the plane of the explorer, the ripple."""

from types import SimpleNamespace

import numpy as np
import pytest

from utils import spectrograms as sg
from utils.audio import SAMPLE_RATE


def tone(frequency, seconds, level=0.3):
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (level * np.sin(2 * np.pi * frequency * t)).astype("float32")


@pytest.fixture(scope="module")
def fsdd():
    """Tones as 'clips': training takes 5-9, test takes 0-1; the digit sets the pitch."""
    x_train, y_train, takes_train, x_test, y_test = [], [], [], [], []
    for take in range(5, 10):
        for d in range(10):
            x_train.append(tone(200 + 50 * d, 0.4 + 0.05 * take, level=0.1 * (1 + take % 3)))
            y_train.append(d)
            takes_train.append(take)
    for _take in range(2):
        for d in range(10):
            x_test.append(tone(200 + 50 * d, 0.9))
            y_test.append(d)
    return SimpleNamespace(
        x_train=x_train,
        y_train=np.array(y_train),
        takes_train=np.array(takes_train),
        x_test=x_test,
        y_test=np.array(y_test),
        speakers_test=np.array(["a"] * len(x_test)),
    )


def test_prepare_levels_every_clip_and_fixes_its_length():
    waves = sg.prepare([tone(300, 0.3, 0.01), tone(500, 0.5, 0.8)])
    assert waves.shape == (2, sg.CLIP_SAMPLES) == (2, 6080)
    rms = np.sqrt(np.sum(waves**2, axis=1) / np.array([0.3, 0.5]) / SAMPLE_RATE)  # over each clip's own samples
    np.testing.assert_allclose(rms, sg.LEVEL_RMS, rtol=1e-3)
    assert sg.log_spectrogram(waves).shape == (2, sg.FRAMES, sg.BINS)


def test_load_splits_by_take_and_normalises_on_the_fit_split_only(fsdd):
    data = sg.load(fsdd, validation_takes=2, n_test=15)
    assert len(data.x_val) == 20 and len(data.x_fit) == 30 and len(data.x_test) == 15
    assert data.x_fit.shape[1:] == (sg.FRAMES, sg.BINS)
    np.testing.assert_allclose(data.x_fit.mean(axis=(0, 1)), 0, atol=1e-4)
    np.testing.assert_allclose(data.x_fit.std(axis=(0, 1)), 1, atol=1e-3)
    assert abs(data.x_val.mean()) > 1e-3  # validation clips were not used for the statistics
    assert len(data.y_test) == len(data.lengths_test) == len(data.speakers_test) == 15
    db = data.decibels(data.x_fit[:2])
    assert db.shape == (2, sg.BINS, sg.FRAMES)
    np.testing.assert_allclose(
        db, 20 * np.log10(np.exp(sg.log_spectrogram(data.waves_fit[:2]))).transpose(0, 2, 1), atol=1e-3
    )
    with pytest.raises(ValueError, match="validation_takes"):
        sg.load(fsdd, validation_takes=5)  # no fit clip would be left


def test_the_log_spectral_distance_is_in_db(fsdd):
    data = sg.load(fsdd, validation_takes=2)
    x = data.x_test
    assert data.log_spectral_distance(x, x) == 0
    louder = x + (3 / (20 / np.log(10))) / data.std  # every cell 3 dB louder
    assert data.log_spectral_distance(louder, x) == pytest.approx(3, rel=1e-4)
    assert data.log_spectral_distance(louder, x, data.lengths_test) == pytest.approx(3, rel=1e-4)


def test_griffin_lim_brings_back_the_magnitudes_of_a_tone(fsdd):
    data = sg.load(fsdd, validation_takes=2, n_test=4)
    waves = data.to_waveform(data.x_test)
    assert waves.shape == (4, sg.CLIP_SAMPLES)
    assert data.log_spectral_distance(data.to_spectrogram(waves), data.x_test) < 3


def test_the_vae_loss_is_the_gaussian_error_over_two_sigma_squared_plus_the_kl():
    import keras

    keras.utils.set_random_seed(0)
    vae = sg.VAE(4, sigma=2.0, seed=0)
    rng = np.random.default_rng(0)
    x, x_hat = rng.normal(size=(3, sg.FRAMES, sg.BINS)), rng.normal(size=(3, sg.FRAMES, sg.BINS))
    mean, log_var = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    loss = keras.ops.convert_to_numpy(vae.compute_loss(x.astype("float32"), y_pred=(x_hat, mean, log_var)))
    kl = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=1)
    expected = np.mean(np.sum((x - x_hat) ** 2, axis=(1, 2)) / 8 + kl)
    assert loss == pytest.approx(expected, rel=1e-5)
    cvae = sg.ConditionalVAE(4, sigma=2.0, seed=0)
    out, z_mean, _ = cvae([x[:2].astype("float32"), sg.one_hot([3, 7])])
    assert out.shape == (2, sg.FRAMES, sg.BINS) and z_mean.shape == (2, 4)


def test_the_instrument_needs_real_clips_before_an_fd():
    instrument = sg.Instrument(seed=0)
    with pytest.raises(ValueError, match="set_reference"):
        instrument.scores(np.zeros((2, sg.FRAMES, sg.BINS), "float32"))


def test_the_plane_goes_through_the_codes_along_their_main_directions():
    rng = np.random.default_rng(1)
    codes = rng.normal(size=(500, 16)) * np.r_[5.0, 3.0, np.full(14, 0.1)] + 2.0
    to_plane, to_code = sg.plane(codes)
    points = to_plane(codes)
    assert points.shape == (500, 2)
    np.testing.assert_allclose(points.std(axis=0), [5, 3], rtol=0.1)
    np.testing.assert_allclose(to_plane(to_code(points[:3])), points[:3], atol=1e-4)
    np.testing.assert_allclose(to_code([0, 0]), codes.mean(axis=0), atol=1e-5)


def test_a_flat_spectrum_has_no_ripple_and_a_loud_part_is_measured(fsdd):
    data = sg.load(fsdd, validation_takes=2)
    flat = data.normalise(np.full((1, sg.FRAMES, sg.BINS), np.log(0.5)))
    assert sg.ripple_db(data, flat) == pytest.approx(0, abs=1e-3)
    assert sg.ripple_db(data, data.x_test) > 0.5  # a tone: one sharp peak in an otherwise flat spectrum
    quiet = np.full((1, sg.FRAMES, sg.BINS), np.log(sg.FLOOR * 2))
    quiet[0, 10:30] = np.log(0.5)  # 20 loud frames
    assert sg.loud_seconds(data, data.normalise(quiet)) == pytest.approx([20 * 64 / SAMPLE_RATE])

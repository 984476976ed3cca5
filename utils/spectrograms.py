"""Spoken digits as fixed-size spectrograms, the instrument that measures generated ones, and the models
that generate them: notebook 09 and its deep dive 09a.

    load, SpokenDigits          -- FSDD clips padded or cut to 0.76 s, levelled, as normalised log-magnitude
                                   spectrograms of 96 frames x 128 bins; a fit / validation / test split by
                                   take; the way back to dB for drawing and to sound (Griffin-Lim)
    log_spectral_distance       -- the mean distance in dB between two sets of spectrograms
    Instrument                  -- a digit classifier used to measure generators: the digits it hears,
                                   the Fréchet distance on its features, the classifier score
    spectrogram_encoder, spectrogram_decoder
                                -- the 1-D convolutional encoder and decoder (over time, bins as channels)
    VAE, ConditionalVAE         -- the variational autoencoder with a Gaussian decoder of standard deviation
                                   ``sigma``, and the one that is also given the digit
    plane, ripple_db, loud_seconds
                                -- a 2-D plane through a 16-number code (for the explorer); what a
                                   spectrogram's detail and duration say about its sound

``tests/test_lesson_generation.py`` checks these against their definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .audio import HOP_LENGTH, N_FFT, SAMPLE_RATE, pad_or_crop, stft_magnitude

#: Spectrogram size: 96 frames of 8 ms, 128 frequency bins of 31.25 Hz (0-4 kHz, the 4 kHz bin dropped).
FRAMES, BINS = 96, 128
#: Samples per clip: 6080 = 0.76 s; centred STFT frames give 1 + 6080 // 64 = 96 frames.
CLIP_SAMPLES = (FRAMES - 1) * HOP_LENGTH
DURATION, TOP_HZ = CLIP_SAMPLES / SAMPLE_RATE, BINS * SAMPLE_RATE / N_FFT
#: Every clip is scaled to this RMS (about 26 dB below full scale).
LEVEL_RMS = 0.05
#: Added to magnitudes before the log, so that silence stays finite (-60 dB).
FLOOR = 1e-3
GRIFFIN_LIM_ITERATIONS = 32
DIGITS = [str(d) for d in range(10)]


def prepare(clips) -> np.ndarray:
    """Waveforms of CLIP_SAMPLES samples, each scaled to an RMS of LEVEL_RMS first: (n, CLIP_SAMPLES) float32."""
    return np.stack([pad_or_crop(c * (LEVEL_RMS / np.sqrt(np.mean(c**2))), CLIP_SAMPLES) for c in clips]).astype(
        "float32"
    )


def log_spectrogram(waves) -> np.ndarray:
    """(n, samples) waveforms -> (n, FRAMES, BINS) natural-log magnitudes, frames first."""
    magnitude = stft_magnitude(np.asarray(waves))[0][:, :BINS, :]
    return np.log(magnitude + FLOOR).transpose(0, 2, 1)


@dataclass
class SpokenDigits:
    """The clips of one run, as waveforms (``waves_*``) and normalised spectrograms (``x_*``), with digits.

    ``fit`` trains the models, ``val`` (validation) makes every choice, ``test`` reports. ``mean`` and
    ``std`` (one per frequency bin) were measured on the fit split only.
    """

    waves_fit: np.ndarray
    waves_val: np.ndarray
    waves_test: np.ndarray
    x_fit: np.ndarray
    x_val: np.ndarray
    x_test: np.ndarray
    y_fit: np.ndarray
    y_val: np.ndarray
    y_test: np.ndarray
    lengths_test: np.ndarray
    speakers_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    seed: int = 0

    def normalise(self, log_magnitudes) -> np.ndarray:
        """Log-magnitudes (n, FRAMES, BINS) -> each bin minus its mean, over its standard deviation."""
        return ((log_magnitudes - self.mean) / self.std).astype("float32")

    def decibels(self, x) -> np.ndarray:
        """Normalised spectrograms (n, FRAMES, BINS) -> magnitudes in dB, (n, BINS, FRAMES), ready to draw."""
        return (20 / np.log(10) * (np.asarray(x) * self.std + self.mean)).transpose(0, 2, 1)

    def to_waveform(self, x, n_iter: int = GRIFFIN_LIM_ITERATIONS) -> np.ndarray:
        """Griffin-Lim: waveforms (n, CLIP_SAMPLES) whose spectrograms approach the magnitudes of x."""
        import librosa

        magnitude = np.maximum(np.exp(np.asarray(x) * self.std + self.mean) - FLOOR, 0).transpose(0, 2, 1)
        magnitude = np.concatenate([magnitude, np.zeros_like(magnitude[:, :1])], axis=1)  # the 4 kHz bin: silent
        return librosa.griffinlim(
            magnitude, n_iter=n_iter, hop_length=HOP_LENGTH, n_fft=N_FFT, length=CLIP_SAMPLES, random_state=self.seed
        )

    def to_spectrogram(self, waves) -> np.ndarray:
        """Analyse waveforms (n, CLIP_SAMPLES) again: normalised spectrograms (n, FRAMES, BINS)."""
        return self.normalise(log_spectrogram(waves))

    def log_spectral_distance(self, x_hat, x, lengths=None) -> float:
        """Mean log-spectral distance in dB between normalised spectrograms: per frame, the RMS difference
        of the two dB spectra, averaged over the frames of each clip's own samples (``lengths``: the
        original clip lengths; None: all frames)."""
        difference_db = 20 / np.log(10) * (np.asarray(x_hat) - np.asarray(x)) * self.std  # the means cancel
        per_frame = np.sqrt(np.mean(difference_db**2, axis=-1))  # (n, FRAMES)
        if lengths is None:
            return float(per_frame.mean())
        inside = np.arange(FRAMES)[None, :] < 1 + np.minimum(lengths, CLIP_SAMPLES)[:, None] // HOP_LENGTH
        return float(per_frame[inside].mean())

    def show(self, rows, row_labels=None, column_labels=None, title=None):
        """Draw rows of normalised spectrograms on one dB scale (-60 dB, the floor, to +20 dB)."""
        import matplotlib.pyplot as plt

        from .plot import spectrogram_grid

        spectrogram_grid(
            np.stack([self.decibels(r) for r in rows]),
            duration=DURATION,
            max_frequency=TOP_HZ,
            row_labels=row_labels,
            column_labels=column_labels,
            vmin=-60,
            vmax=20,
            title=title,
        )
        plt.show()


def load(fsdd, validation_takes: int = 5, n_test: int | None = None, seed: int = 0) -> SpokenDigits:
    """Prepare an FSDD for notebook 09: the training takes 5 to 4 + ``validation_takes`` become the
    validation split (every speaker and digit), the other training takes the fit split; the test split
    keeps its first ``n_test`` clips (None: all; FSDD orders them by take, so a prefix mixes every
    speaker and digit). ``seed`` seeds Griffin-Lim's random start.

    Raises:
        ValueError: if the validation takes would leave no clip to fit on, or hold none.
    """
    takes = np.asarray(fsdd.takes_train)
    val = (takes >= 5) & (takes < 5 + validation_takes)
    if validation_takes < 1 or not val.any() or val.all():
        raise ValueError(
            f"validation_takes={validation_takes} leaves {int(val.sum())} validation and {int((~val).sum())} fit "
            f"clips; both must be at least 1 (training takes run from 5 to {takes.max()})."
        )
    test_clips = fsdd.x_test[:n_test]
    waves_train, waves_test = prepare(fsdd.x_train), prepare(test_clips)
    log_fit = log_spectrogram(waves_train[~val])
    mean, std = log_fit.mean(axis=(0, 1)), log_fit.std(axis=(0, 1))  # per bin, fit split only
    data = SpokenDigits(
        waves_fit=waves_train[~val],
        waves_val=waves_train[val],
        waves_test=waves_test,
        x_fit=None,
        x_val=None,
        x_test=None,
        y_fit=np.asarray(fsdd.y_train)[~val],
        y_val=np.asarray(fsdd.y_train)[val],
        y_test=np.asarray(fsdd.y_test)[: len(test_clips)],
        lengths_test=np.array([len(c) for c in test_clips]),
        speakers_test=np.asarray(fsdd.speakers_test)[: len(test_clips)],
        mean=mean,
        std=std,
        seed=seed,
    )
    data.x_fit, data.x_val = data.normalise(log_fit), data.to_spectrogram(data.waves_val)
    data.x_test = data.to_spectrogram(waves_test)
    return data


def log_spectral_distance(data: SpokenDigits, x_hat, x, lengths=None) -> float:
    """:meth:`SpokenDigits.log_spectral_distance`, as a function."""
    return data.log_spectral_distance(x_hat, x, lengths)


# --- the instrument ------------------------------------------------------------------------------


def digit_classifier(feature_width: int = 64):
    """Spectrograms (FRAMES, BINS) -> probabilities of the 10 digits, and a model sharing its layers that
    outputs the ``feature_width`` penultimate features (the ones the Fréchet distance compares)."""
    import keras
    from keras import layers

    spectrogram = keras.Input(shape=(FRAMES, BINS), name="spectrogram")
    h = layers.Conv1D(64, 5, strides=2, padding="same", activation="relu")(spectrogram)
    h = layers.Conv1D(128, 5, strides=2, padding="same", activation="relu")(h)
    h = layers.Conv1D(128, 3, strides=2, padding="same", activation="relu")(h)
    features = layers.Dense(feature_width, activation="relu", name="features")(layers.Flatten()(h))
    probabilities = layers.Dense(10, activation="softmax", name="probabilities")(layers.Dropout(0.3)(features))
    return (
        keras.Model(spectrogram, probabilities, name="digit_classifier"),
        keras.Model(spectrogram, features, name="digit_features"),
    )


class Instrument:
    """A digit classifier trained on real spectrograms and used to measure sets of spectrograms.

    ``reference`` holds the features of the real clips every Fréchet distance is measured against
    (set by :meth:`set_reference`).
    """

    def __init__(self, seed: int):
        import keras

        keras.utils.set_random_seed(seed)
        self.classifier, self.features = digit_classifier()
        self.reference = None

    def fit(self, x, y, epochs: int, batch_size: int):
        from .training import fit

        return fit(
            self.classifier,
            x,
            y,
            epochs=epochs,
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            batch_size=batch_size,
            name="classifier",
            every=epochs,
        )

    def measure(self, x):
        """Features (n, 64) and digit probabilities (n, 10) of normalised spectrograms x (n, FRAMES, BINS)."""
        x = np.asarray(x, dtype="float32")
        return (
            self.features.predict(x, verbose=0, batch_size=500),
            self.classifier.predict(x, verbose=0, batch_size=500),
        )

    def accuracy(self, x, digits) -> float:
        """Share of the spectrograms x in which the classifier hears the given digits."""
        return float(np.mean(self.measure(x)[1].argmax(axis=1) == np.asarray(digits)))

    def set_reference(self, x) -> None:
        """Measure every later Fréchet distance against the real spectrograms x."""
        self.reference = self.measure(x)[0]

    def scores(self, x, wanted=None) -> dict:
        """FD to the reference, classifier score, share of each digit heard [and share of the wanted digits].

        Raises:
            ValueError: before :meth:`set_reference`.
        """
        from .metrics import classifier_score, frechet_distance

        if self.reference is None:
            raise ValueError("Call set_reference(real spectrograms) before scores(): the FD needs real clips.")
        features, probabilities = self.measure(x)
        heard = probabilities.argmax(axis=1)
        result = {
            "fd": frechet_distance(features, self.reference),
            "score": classifier_score(probabilities),
            "digit_share": np.bincount(heard, minlength=10) / len(heard),
        }
        if wanted is not None:
            result["intended"] = float(np.mean(heard == np.asarray(wanted)))
        return result


# --- the models ----------------------------------------------------------------------------------

DENSE = 256  # units of the dense layers


def _block(transpose: bool, filters: int, name: str):
    """(Transposed) convolution over 3 frames with stride 2 + LeakyReLU + batch normalisation."""
    import keras
    from keras import layers

    conv = layers.Conv1DTranspose if transpose else layers.Conv1D
    return keras.Sequential(
        [
            conv(filters, 3, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.BatchNormalization(),
        ],
        name=name,
    )


def spectrogram_encoder(code_size: int, n_labels: int = 0):
    """(FRAMES, BINS) spectrogram [and a one-hot digit of n_labels numbers] -> code_size numbers."""
    import keras
    from keras import layers

    spectrogram = keras.Input(shape=(FRAMES, BINS), name="spectrogram")
    h = _block(False, 64, "down_1")(spectrogram)  # 96 -> 48 frames
    h = _block(False, 128, "down_2")(h)  # 48 -> 24
    h = _block(False, 128, "down_3")(h)  # 24 -> 12
    h = layers.Flatten(name="flatten")(h)
    inputs = [spectrogram]
    if n_labels:
        inputs.append(keras.Input(shape=(n_labels,), name="digit"))
        h = layers.Concatenate(name="with_digit")([h, inputs[1]])
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(DENSE, name="dense_in")(h))
    return keras.Model(inputs if n_labels else spectrogram, layers.Dense(code_size, name="code")(h), name="encoder")


def spectrogram_decoder(code_size: int, n_labels: int = 0):
    """code_size numbers [and a one-hot digit] -> a (FRAMES, BINS) normalised spectrogram (no activation)."""
    import keras
    from keras import layers

    code = keras.Input(shape=(code_size,), name="code")
    inputs, h = [code], code
    if n_labels:
        inputs.append(keras.Input(shape=(n_labels,), name="digit"))
        h = layers.Concatenate(name="with_digit")([code, inputs[1]])
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(DENSE, name="dense_out")(h))
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(FRAMES // 8 * 128, name="dense")(h))
    h = layers.Reshape((FRAMES // 8, 128), name="reshape")(h)
    h = _block(True, 128, "up_1")(h)  # 12 -> 24 frames
    h = _block(True, 64, "up_2")(h)  # 24 -> 48
    spectrogram = layers.Conv1DTranspose(BINS, 3, strides=2, padding="same", name="spectrogram")(h)  # 48 -> 96
    return keras.Model(inputs if n_labels else code, spectrogram, name="decoder")


def plain_autoencoder(code_size: int):
    """(encoder, decoder, autoencoder) of the spectrogram shape, for the mean squared error."""
    import keras

    encoder, decoder = spectrogram_encoder(code_size), spectrogram_decoder(code_size)
    spectrogram = keras.Input(shape=(FRAMES, BINS))
    return encoder, decoder, keras.Model(spectrogram, decoder(encoder(spectrogram)), name="autoencoder")


def _vae_classes():
    import keras
    from keras import ops

    from .models import Sampling

    class VAE(keras.Model):
        """Variational autoencoder on normalised spectrograms with a Gaussian decoder of std ``sigma``.

        Calling it returns ``(reconstructions, z_mean, z_log_var)``; train it with ``loss=None``.
        ``encode`` gives the means and log-variances of the codes.
        """

        def __init__(self, code_size, sigma, n_labels=0, seed=None, **kwargs):
            super().__init__(**kwargs)
            self.sigma = float(sigma)
            self.encoder = spectrogram_encoder(2 * code_size, n_labels)  # outputs [mean | log-variance]
            self.decoder = spectrogram_decoder(code_size, n_labels)
            self.sampling = Sampling(seed=seed)

        def encode(self, inputs, training=False):
            return ops.split(self.encoder(inputs, training=training), 2, axis=-1)

        def call(self, x, training=False):
            z_mean, z_log_var = self.encode(x, training=training)
            return self.decoder(self.sampling(z_mean, z_log_var), training=training), z_mean, z_log_var

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            x_hat, z_mean, z_log_var = y_pred
            spectrogram = x[0] if isinstance(x, (list, tuple)) else x  # a conditional VAE gets [spectrogram, digit]
            reconstruction = ops.sum(ops.square(spectrogram - x_hat), axis=(1, 2)) / (2 * self.sigma**2)
            kl = -0.5 * ops.sum(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
            return ops.mean(reconstruction + kl)

    class ConditionalVAE(VAE):
        """The VAE whose encoder and decoder are also given the digit: inputs [spectrograms, one-hot digits]."""

        def __init__(self, code_size, sigma, seed=None, **kwargs):
            super().__init__(code_size, sigma, n_labels=10, seed=seed, **kwargs)

        def call(self, inputs, training=False):
            spectrogram, digit = inputs
            z_mean, z_log_var = self.encode([spectrogram, digit], training=training)
            z = self.sampling(z_mean, z_log_var)
            return self.decoder([z, digit], training=training), z_mean, z_log_var

    return VAE, ConditionalVAE


def __getattr__(name):
    if name in ("VAE", "ConditionalVAE"):  # built on first use, so importing this module does not load Keras
        globals()["VAE"], globals()["ConditionalVAE"] = _vae_classes()
        return globals()[name]
    raise AttributeError(f"module 'utils.spectrograms' has no attribute {name!r}")


def code_statistics(model, inputs):
    """Means (n, k) and log-variances (n, k) of a VAE's codes, and the mean KL per code unit (k,)."""
    from keras import ops

    z_mean, z_log_var = (ops.convert_to_numpy(t) for t in model.encode(inputs))
    kl = np.mean(-0.5 * (1 + z_log_var - z_mean**2 - np.exp(z_log_var)), axis=0)
    return z_mean, z_log_var, kl


def one_hot(digits) -> np.ndarray:
    return np.eye(10, dtype="float32")[np.asarray(digits)]


# --- describing and exploring ---------------------------------------------------------------------


def plane(codes):
    """The plane through the mean of ``codes`` (n, k) along their two principal directions.

    Returns:
        (to_plane, to_code): ``to_plane(codes)`` gives (n, 2) coordinates, ``to_code(point)`` the
        k-number code at a point (a, b) of the plane.
    """
    codes = np.asarray(codes, dtype="float64")
    centre = codes.mean(axis=0)
    directions = np.linalg.svd(codes - centre, full_matrices=False)[2][:2]  # (2, k), orthonormal rows

    def to_plane(c):
        return (np.asarray(c, dtype="float64") - centre) @ directions.T

    def to_code(point):
        return (centre + np.asarray(point, dtype="float64") @ directions).astype("float32")

    return to_plane, to_code


def frame_levels(data: SpokenDigits, x) -> np.ndarray:
    """Level of each frame in dB (energy summed over the bins): (n, FRAMES)."""
    magnitude = np.maximum(np.exp(np.asarray(x) * data.std + data.mean) - FLOOR, 0)
    return 10 * np.log10(np.sum(magnitude**2, axis=-1) + 1e-10)


def loud_frames(data: SpokenDigits, x, within_db: float = 30) -> np.ndarray:
    """Frames within ``within_db`` dB of each clip's loudest frame, the loud part of the word: (n, FRAMES)."""
    levels = frame_levels(data, x)
    return levels > levels.max(axis=1, keepdims=True) - within_db


def loud_seconds(data: SpokenDigits, x) -> np.ndarray:
    """The duration of each clip's loud part in seconds: (n,)."""
    return loud_frames(data, x).sum(axis=1) * HOP_LENGTH / SAMPLE_RATE


def ripple_db(data: SpokenDigits, x) -> float:
    """Mean |second difference across frequency| of the dB spectrum over the loud frames: harmonic detail."""
    spectrum_db = 20 / np.log(10) * (np.asarray(x) * data.std + data.mean)
    curvature = np.abs(np.diff(spectrum_db, n=2, axis=-1)).mean(axis=-1)  # (n, FRAMES)
    return float(curvature[loud_frames(data, x)].mean())

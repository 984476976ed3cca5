"""Image denoising helpers: the noise of notebook 06, its two measures and its training pairs.

Notebook 06 writes these out where it teaches them; its deep dive 06a imports them from here, and
``tests/test_lesson_denoise.py`` checks that the two copies compute the same.

    add_noise   -- clip(x + noise_factor * N(0, 1), 0, 1), seeded
    mean_psnr   -- PSNR of each image (pixels in [0, 1]), in dB, averaged over the images
    quality     -- (mean PSNR in dB, mean SSIM) of estimates against clean images
    WINDOWS, median_filter, levels, median_levels
                -- the median windows of notebook 06, and its best filter: a median, then levels
    NoisyPairs  -- a Keras PyDataset of (noisy, clean) batches, fresh noise in every batch
"""

from __future__ import annotations

import keras
import numpy as np
from scipy import ndimage
from skimage.metrics import structural_similarity

from .checks import positive_int


def _images(x, name: str) -> np.ndarray:
    x = np.asarray(x, dtype="float32")
    if x.ndim != 4 or x.shape[-1] != 1:
        raise ValueError(
            f"{name} must have shape (n, height, width, 1), got {x.shape}; add the channel with x[..., None]."
        )
    return x


def _pair(clean, estimate) -> tuple[np.ndarray, np.ndarray]:
    clean, estimate = _images(clean, "clean"), _images(estimate, "estimate")
    if clean.shape != estimate.shape:
        raise ValueError(
            f"clean has shape {clean.shape} but estimate {estimate.shape}: pass one estimate per clean image."
        )
    return clean, estimate


def add_noise(x, noise_factor: float, seed: int) -> np.ndarray:
    """``clip(x + noise_factor * N(0, 1), 0, 1)`` for images ``x`` of shape (n, h, w, 1) with pixels in [0, 1].

    ``seed`` fixes the noise, so every method can be given the same noisy images.

    Raises:
        ValueError: if ``x`` is not a stack of one-channel images or ``noise_factor`` is negative.
    """
    x = _images(x, "x")
    if not noise_factor >= 0:
        raise ValueError(f"noise_factor is a standard deviation and must be >= 0, got {noise_factor!r}.")
    noise = np.random.default_rng(seed).standard_normal(x.shape).astype("float32")
    return np.clip(x + noise_factor * noise, 0.0, 1.0)


def mean_psnr(clean, estimate) -> float:
    """Mean over images of each image's PSNR, ``10 log10(1 / MSE)`` in dB (pixels in [0, 1]; estimates clipped).

    An exact copy (MSE 0, an infinite PSNR) counts as 100 dB, so that one such image cannot make the mean infinite.

    Raises:
        ValueError: if the shapes differ.
    """
    clean, estimate = _pair(clean, estimate)
    mse = np.mean((clean - np.clip(estimate, 0, 1)) ** 2, axis=(1, 2, 3))
    return float(np.mean(10 * np.log10(1.0 / np.maximum(mse, 1e-10))))


def quality(clean, estimate) -> tuple[float, float]:
    """(mean PSNR in dB, mean SSIM) of the estimates against the clean images, image by image (scikit-image's SSIM)."""
    clean, estimate = _pair(clean, estimate)
    pairs = zip(clean[..., 0], np.clip(estimate, 0, 1)[..., 0])
    return mean_psnr(clean, estimate), float(np.mean([structural_similarity(c, e, data_range=1.0) for c, e in pairs]))


#: Notebook 06's median windows: 2 x 2, a plus of 5 pixels, and squares of 3, 5 and 7 pixels.
WINDOWS = {"2 x 2": np.ones((2, 2)), "plus": np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])}
WINDOWS.update({f"{s} x {s}": np.ones((s, s)) for s in (3, 5, 7)})


def median_filter(x, window: str) -> np.ndarray:
    """Each pixel replaced by the median of its neighbours under one of ``WINDOWS`` (images (n, h, w, 1))."""
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}: use one of {list(WINDOWS)}.")
    return ndimage.median_filter(_images(x, "x"), footprint=WINDOWS[window][None, :, :, None] > 0)


def levels(x, black: float, white: float) -> np.ndarray:
    """Stretch [black, white] to [0, 1]: black and below become 0, white and above 1."""
    if not black < white:
        raise ValueError(f"black must be below white, got black={black}, white={white}.")
    return np.clip((x - black) / (white - black), 0, 1)


def median_levels(x, parameters) -> np.ndarray:
    """Notebook 06's best classical filter: a median, then levels; ``parameters = (window, black, white)``."""
    return levels(median_filter(x, parameters[0]), *parameters[1:])


class NoisyPairs(keras.utils.PyDataset):
    """Batches of (noisy, clean) images: fresh noise for every image of every batch, its strength drawn from noise_range.

    Args:
        x: clean images, (n, h, w, 1), pixels in [0, 1].
        noise_range: (low, high): each image's noise factor is drawn uniformly from it.
        batch_size: images per batch.
        seed: seeds the order and the noise.
    """

    def __init__(self, x, noise_range, batch_size, seed, **kwargs):
        super().__init__(**kwargs)
        low, high = noise_range
        if not 0 <= low <= high:
            raise ValueError(f"noise_range must be (low, high) with 0 <= low <= high, got {noise_range!r}.")
        self.x, self.noise_range = _images(x, "x"), (float(low), float(high))
        self.batch_size = positive_int(batch_size, "batch_size", what="number of images per batch")
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(self.x))

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, i):
        clean = self.x[self.order[i * self.batch_size : (i + 1) * self.batch_size]]
        noise_factor = self.rng.uniform(*self.noise_range, size=(len(clean), 1, 1, 1)).astype("float32")
        noise = self.rng.standard_normal(clean.shape).astype("float32")
        return np.clip(clean + noise_factor * noise, 0.0, 1.0), clean

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.x))

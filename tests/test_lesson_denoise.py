"""Notebook 06 writes out its noise, its measures, its denoiser and its training pairs; deep dive 06a
imports them from ``utils.images`` and ``utils.models``. These tests run both copies on the same inputs
and check that they compute the same, so the two cannot drift apart. The definitions are taken from
notebook 06's code cells (found by name)."""

import ast
import json
from pathlib import Path

import numpy as np
import pytest

import utils

utils.setup(seed=0, quick=True)
import keras  # noqa: E402
from scipy import ndimage  # noqa: E402
from skimage.metrics import structural_similarity  # noqa: E402

from utils import images, models  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06_denoising_images.ipynb"
NAMES = ("add_noise", "mean_psnr", "quality", "denoising_autoencoder", "NoisyPairs", "median_filter", "levels")
NAMES += ("median_levels",)


@pytest.fixture(scope="module")
def lesson() -> dict:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    body = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and any(f" {name}(" in "".join(cell["source"]) for name in NAMES):
            tree = ast.parse("".join(cell["source"]))
            body += [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in NAMES]
    assert sorted(n.name for n in body) == sorted(NAMES), "notebook 06 defines each of NAMES once"
    namespace = {"keras": keras, "layers": keras.layers, "np": np, "utils": utils}
    namespace["structural_similarity"] = structural_similarity
    namespace.update(ndimage=ndimage, WINDOWS=images.WINDOWS)
    exec(compile(ast.Module(body=body, type_ignores=[]), str(NOTEBOOK), "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    rng = np.random.default_rng(3)
    return (rng.random((6, 28, 28, 1)) > 0.8).astype("float32")  # sparse bright strokes on black


def test_noise_and_measures_match(lesson, digits):
    for nf, seed in [(0.2, 1), (0.5, 7)]:
        np.testing.assert_array_equal(lesson["add_noise"](digits, nf, seed), images.add_noise(digits, nf, seed))
    noisy = images.add_noise(digits, 0.5, 2)
    assert lesson["mean_psnr"](digits, noisy) == pytest.approx(images.mean_psnr(digits, noisy), abs=1e-6)
    assert lesson["quality"](digits, noisy) == pytest.approx(images.quality(digits, noisy), abs=1e-6)
    # and the numbers are what the definitions say: PSNR of one image with MSE 0.01 is 20 dB
    flat = np.full((1, 28, 28, 1), 0.5, "float32")
    assert images.mean_psnr(flat, flat + 0.1) == pytest.approx(20.0, abs=1e-4)


def test_an_exact_copy_counts_as_100_db(lesson, digits):
    noisy = images.add_noise(digits, 0.5, 2)
    noisy[0] = digits[0]  # one image restored exactly: its PSNR would be infinite
    expected = (100.0 + 10 * np.log10(1 / np.mean((digits[1:] - noisy[1:]) ** 2, axis=(1, 2, 3))).sum()) / len(digits)
    assert images.mean_psnr(digits, noisy) == pytest.approx(expected, abs=1e-4)
    assert lesson["mean_psnr"](digits, noisy) == pytest.approx(expected, abs=1e-4)
    with pytest.raises(ValueError, match="shape"):
        images.mean_psnr(digits, digits[:3])
    with pytest.raises(ValueError, match="channel"):
        images.add_noise(digits[..., 0], 0.5, 0)


def test_noisy_pairs_match(lesson, digits):
    ours, theirs = lesson["NoisyPairs"](digits, (0.1, 0.6), 4, seed=5), images.NoisyPairs(digits, (0.1, 0.6), 4, seed=5)
    assert len(ours) == len(theirs) == 2
    for _epoch in range(2):
        for i in range(len(ours)):
            for a, b in zip(ours[i], theirs[i]):
                np.testing.assert_array_equal(a, b)
        ours.on_epoch_end(), theirs.on_epoch_end()
    noisy, clean = theirs[0]
    assert noisy.shape == clean.shape == (4, 28, 28, 1) and 0 <= noisy.min() and noisy.max() <= 1
    assert not np.array_equal(noisy, clean), "the inputs are noisy, the targets clean"


def test_the_notebook_denoiser_is_utils_models(lesson, digits):
    mine, theirs = lesson["denoising_autoencoder"](), models.denoising_autoencoder()
    assert mine.count_params() == theirs.count_params() == 75265
    assert [w.shape for w in mine.get_weights()] == [w.shape for w in theirs.get_weights()]
    assert [layer.name for layer in mine.layers] == [layer.name for layer in theirs.layers]
    mine.set_weights(theirs.get_weights())
    np.testing.assert_allclose(mine.predict(digits, verbose=0), theirs.predict(digits, verbose=0), atol=1e-6)


def test_the_best_filter_matches(lesson, digits):
    noisy = images.add_noise(digits, 0.5, 4)
    assert list(images.WINDOWS) == ["2 x 2", "plus", "3 x 3", "5 x 5", "7 x 7"]
    for window in images.WINDOWS:
        np.testing.assert_array_equal(lesson["median_filter"](noisy, window), images.median_filter(noisy, window))
    for parameters in [("3 x 3", 0.1, 0.9), ("plus", 0.3, 0.65)]:
        np.testing.assert_array_equal(
            lesson["median_levels"](noisy, parameters), images.median_levels(noisy, parameters)
        )
    np.testing.assert_allclose(images.levels(np.array([0.0, 0.2, 0.5, 0.8, 1.0]), 0.2, 0.8), [0, 0, 0.5, 1, 1])
    with pytest.raises(ValueError, match="below white"):
        images.levels(noisy, 0.6, 0.4)
    with pytest.raises(ValueError, match="unknown window"):
        images.median_filter(noisy, "4 x 4")

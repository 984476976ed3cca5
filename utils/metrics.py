"""Metrics: reconstruction error, and sample-quality metrics for generative models (notebook 05).

    reconstruction_error -- mean squared error per value between inputs and a model's reconstructions
    relative_error       -- that error divided by the data's mean variance per dimension (notebook 01)

The two sample-quality metrics follow the published definitions, with one change stated in every
notebook that uses them: the features and class probabilities come from a small
MNIST classifier trained in the notebook, not from Inception-v3. Absolute values
are therefore not comparable with published FID or Inception scores, only ratios.

    frechet_distance   -- Heusel et al. (2017), the "FID" formula, on any feature vectors
    classifier_score   -- Salimans et al. (2016), the "Inception score" formula, on any class probabilities
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from .checks import positive_int


def reconstruction_error(model_or_reconstructions, x, per_example: bool = False, batch_size: int = 2048):
    """Mean squared error between ``x`` and its reconstruction, per value (pixel, spectrogram cell).

    Args:
        model_or_reconstructions: a Keras model (called with ``predict`` in inference mode, so
            batch normalisation and dropout act as at test time) or an array of reconstructions
            shaped like ``x``.
        x: the inputs, examples first, e.g. images of shape (n, 28, 28, 1) in [0, 1].
        per_example: False: one number, the mean over everything; True: one error per example,
            shape (n,) (the anomaly score of notebook 08).
        batch_size: examples per prediction step; it changes memory use, not the result.

    Raises:
        ValueError: if the reconstructions do not have the shape of ``x``.
    """
    x = np.asarray(x)
    if hasattr(model_or_reconstructions, "predict"):
        positive_int(batch_size, "batch_size", what="number of examples per prediction step")
        x_hat = model_or_reconstructions.predict(x, verbose=0, batch_size=batch_size)
    else:
        x_hat = np.asarray(model_or_reconstructions)
    if x_hat.size != x.size or len(x_hat) != len(x):
        raise ValueError(
            f"The reconstructions have shape {x_hat.shape} but the inputs {x.shape}: "
            "pass the reconstructions of exactly these inputs."
        )
    squared = (np.reshape(x_hat, (len(x), -1)) - np.reshape(x, (len(x), -1))) ** 2
    return np.mean(squared, axis=1) if per_example else float(np.mean(squared))


def relative_error(x_hat, x) -> float:
    """MSE of the reconstruction ``x_hat`` divided by the mean per-dimension variance of ``x``
    (both of shape (n, d)): 0 is a perfect copy, 1 is no better than answering the mean (notebook 01).

    Raises:
        ValueError: if the shapes differ or ``x`` does not vary at all.
    """
    x_hat, x = np.asarray(x_hat), np.asarray(x)
    if x_hat.shape != x.shape:
        raise ValueError(f"x_hat has shape {x_hat.shape} but x has shape {x.shape}; pass a reconstruction of x.")
    variance = float(np.mean(x.var(axis=0)))
    if not variance > 0:
        raise ValueError("x does not vary, so no error can be relative to its variance.")
    return float(np.mean((x_hat - x) ** 2) / variance)


def _as_matrix(name: str, values) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (examples, features); got shape {array.shape}.")
    if len(array) < 2:
        raise ValueError(f"{name} needs at least 2 examples to estimate a covariance; got {len(array)}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values; check the model that produced it.")
    return array


def frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b) -> float:
    """Fréchet distance between two Gaussians N(mean_a, cov_a) and N(mean_b, cov_b).

    d = ||mean_a - mean_b||^2 + trace(cov_a + cov_b - 2 (cov_a cov_b)^(1/2)), in squared feature units.

    Raises:
        ValueError: if the shapes do not match (means (d,), covariances (d, d)).
    """
    mean_a, mean_b = np.asarray(mean_a, np.float64), np.asarray(mean_b, np.float64)
    cov_a, cov_b = np.asarray(cov_a, np.float64), np.asarray(cov_b, np.float64)
    d = mean_a.shape[0] if mean_a.ndim == 1 else -1
    if mean_a.shape != (d,) or mean_b.shape != (d,) or cov_a.shape != (d, d) or cov_b.shape != (d, d):
        raise ValueError(
            f"means must have shape (d,) and covariances (d, d) with the same d; got "
            f"{mean_a.shape}, {cov_a.shape}, {mean_b.shape}, {cov_b.shape}."
        )
    # trace((cov_a cov_b)^(1/2)) = sum of sqrt(eigenvalues of A^(1/2) cov_b A^(1/2)), with A^(1/2) the
    # symmetric square root of cov_a. Both matrices are symmetric positive semi-definite, so this is
    # exact and stays stable when a covariance is singular (e.g. a ReLU feature that is always 0).
    values, vectors = linalg.eigh((cov_a + cov_a.T) / 2)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = root_a @ cov_b @ root_a
    trace_root = float(np.sum(np.sqrt(np.clip(linalg.eigvalsh((middle + middle.T) / 2), 0, None))))
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)


def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between two sets of feature vectors, each summarised by its mean and covariance.

    With Inception-v3 pool features this is the FID; here it is used with the features of any network.
    It is 0 for identical statistics and grows with both a shift of the mean and a change of spread.
    It is biased upward for small samples: compare values computed with the same numbers of examples.

    Args:
        features_a, features_b: arrays of shape (n_a, d) and (n_b, d).

    Raises:
        ValueError: for arrays that are not 2-D, have different d, fewer than 2 rows or non-finite values.
    """
    a, b = _as_matrix("features_a", features_a), _as_matrix("features_b", features_b)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"features_a and features_b must have the same number of features; got {a.shape[1]} and {b.shape[1]}."
        )
    return frechet_distance_from_moments(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def classifier_score(probabilities) -> float:
    """exp(E_x[KL(p(y|x) || p(y))]): the Inception-score formula on any classifier's probabilities.

    High when each sample is classified confidently (p(y|x) peaked) AND the samples cover all classes
    (p(y), the mean of p(y|x), flat). It lies between 1 and the number of classes (10 for digits).

    Args:
        probabilities: array (n, classes); each row a probability vector (non-negative, summing to 1).

    Raises:
        ValueError: if the array is not 2-D or its rows are not probability vectors.
    """
    p = _as_matrix("probabilities", probabilities)
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("probabilities must be non-negative rows that sum to 1 (apply a softmax first).")
    eps = 1e-12
    marginal = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(kl.mean()))

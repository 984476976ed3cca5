"""The synthetic 5-D data of notebook 01, for the notebooks that reuse it (its deep dive 01a).

Notebook 01 writes these functions out where it teaches them; ``tests/test_lesson_bottleneck.py`` keeps
the two copies identical (the same points for the same generator).

    MIXING             -- the 5 x 2 matrix that mixes the two hidden factors into five measurements
    make_dependent     -- n points x = tanh(A z) + 0.03 noise, z uniform in [-1, 1]^2; returns (x, z)
    make_independent   -- every column shuffled on its own: same marginals, no dependencies
"""

from __future__ import annotations

import numpy as np

from ..checks import positive_int

#: Mixes the two hidden factors into five measurements (notebook 01, section 2).
MIXING = np.array([[1.5, 0.3], [0.2, 1.4], [1.0, 1.0], [1.2, -0.9], [-0.5, 1.3]])
#: Standard deviation of the measurement noise; the noise floor of the relative error is NOISE**2 / variance.
NOISE = 0.03


def make_dependent(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points of the 5-D data set driven by 2 hidden factors.

    Returns:
        ``(x, z)``: x of shape (n, 5), float32, values in about [-1, 1]; z of shape (n, 2), the factors.

    Raises:
        ValueError: if n is not a positive integer or rng is not a NumPy ``Generator``.
    """
    positive_int(n, "n", what="(number of points)")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a NumPy Generator, e.g. np.random.default_rng(42); got {type(rng).__name__}.")
    z = rng.uniform(-1.0, 1.0, size=(n, 2))
    x = np.tanh(z @ MIXING.T) + NOISE * rng.standard_normal((n, 5))
    return x.astype("float32"), z


def make_independent(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shuffle every column of ``x`` (shape (n, d)) on its own: same marginals, no dependency between dimensions."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be a table of points, shape (n, d); got shape {x.shape}.")
    return np.stack([rng.permutation(col) for col in x.T], axis=1)

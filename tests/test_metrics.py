"""utils.metrics: Fréchet distance and classifier score against closed forms."""

import numpy as np
import pytest

from utils import metrics


def test_frechet_distance_closed_form_for_diagonal_gaussians():
    # For diagonal covariances: ||mu_a - mu_b||^2 + sum (sigma_a - sigma_b)^2.
    mean_a, mean_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    sd_a, sd_b = np.array([1.0, 2.0, 0.5]), np.array([3.0, 2.0, 1.5])
    expected = 1 + 0 + 4 + (2**2 + 0 + 1**2)
    got = metrics.frechet_distance_from_moments(mean_a, np.diag(sd_a**2), mean_b, np.diag(sd_b**2))
    assert got == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_general_covariances_and_singular_ones():
    from scipy import linalg

    rng = np.random.default_rng(1)
    m, n = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    cov_a, cov_b = m @ m.T, n @ n.T
    reference = np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(np.real(linalg.sqrtm(cov_a @ cov_b)))
    got = metrics.frechet_distance_from_moments(np.zeros(3), cov_a, np.ones(3), cov_b)
    assert got == pytest.approx(3 + reference, rel=1e-6)
    # a singular covariance (a feature that never varies): closed form for diagonals, no warning
    singular = np.diag([1.0, 2.0, 0.0])
    got = metrics.frechet_distance_from_moments(np.zeros(3), np.diag([4.0, 1.0, 9.0]), np.zeros(3), singular)
    assert got == pytest.approx((2 - 1) ** 2 + (1 - np.sqrt(2)) ** 2 + (3 - 0) ** 2, rel=1e-9)
    assert metrics.frechet_distance_from_moments(np.zeros(3), singular, np.zeros(3), singular) == pytest.approx(
        0, abs=1e-9
    )


def test_frechet_distance_of_samples():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 4))
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    shifted = rng.normal(size=(20000, 4)) + np.array([2.0, 0, 0, 0])
    # sampling noise of the moments is about 4 * 1/20000 per term: far below the shift of 4
    assert metrics.frechet_distance(a, shifted) == pytest.approx(4.0, abs=0.05)
    # a wider cloud: each axis contributes (sigma_a - sigma_b)^2 = (1 - 3)^2
    wide = rng.normal(size=(20000, 4)) * 3
    assert metrics.frechet_distance(a, wide) == pytest.approx(4 * (3 - 1) ** 2, rel=0.02)


def test_classifier_score_bounds():
    confident_all_classes = np.eye(10)[np.arange(1000) % 10]
    assert metrics.classifier_score(confident_all_classes) == pytest.approx(10.0, rel=1e-6)
    confident_one_class = np.eye(10)[np.zeros(1000, int)]
    assert metrics.classifier_score(confident_one_class) == pytest.approx(1.0, rel=1e-6)
    undecided = np.full((1000, 10), 0.1)
    assert metrics.classifier_score(undecided) == pytest.approx(1.0, rel=1e-6)
    two_classes = np.eye(10)[np.arange(1000) % 2]
    assert metrics.classifier_score(two_classes) == pytest.approx(2.0, rel=1e-6)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: metrics.frechet_distance(np.zeros(5), np.zeros((5, 1))), "2-D"),
        (lambda: metrics.frechet_distance(np.zeros((5, 2)), np.zeros((5, 3))), "same number of features"),
        (lambda: metrics.frechet_distance(np.zeros((1, 2)), np.zeros((5, 2))), "at least 2"),
        (lambda: metrics.frechet_distance(np.full((3, 2), np.nan), np.zeros((5, 2))), "NaN"),
        (lambda: metrics.classifier_score(np.full((4, 10), 0.5)), "sum to 1"),
        (lambda: metrics.frechet_distance_from_moments(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), "shape"),
    ],
)
def test_metrics_refuse_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()

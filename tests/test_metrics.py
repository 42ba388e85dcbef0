"""Metric formulas on hand-made inputs, and the input checks every metric relies on."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from mnistgan_lib.measuring import metrics


def random_covariance(rng, dim):
    a = rng.normal(size=(dim, dim))
    return a @ a.T / dim + 0.1 * np.eye(dim)


def test_frechet_distance_matches_the_scipy_sqrtm_formula():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    s1, s2 = random_covariance(rng, 6), random_covariance(rng, 6)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_of_identical_gaussians_is_zero_and_of_shifted_ones_is_the_squared_shift():
    rng = np.random.default_rng(1)
    mu, sigma = rng.normal(size=4), random_covariance(rng, 4)
    assert metrics.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0, abs=1e-9)
    assert metrics.frechet_distance(mu, sigma, mu + 2, sigma) == pytest.approx(16, abs=1e-9)


def test_classifier_score_extremes():
    confident_even = np.eye(10)[np.arange(1000) % 10]
    one_class = np.eye(10)[np.zeros(1000, int)]
    unsure = np.full((1000, 10), 0.1)
    assert metrics.classifier_score(confident_even)[0] == pytest.approx(10, rel=1e-6)
    assert metrics.classifier_score(one_class)[0] == pytest.approx(1, rel=1e-6)
    assert metrics.classifier_score(unsure)[0] == pytest.approx(1, rel=1e-6)
    with pytest.raises(ValueError, match="splits must be between 1 and 10"):
        metrics.classifier_score(unsure, splits=11)


def test_class_fractions_and_kl_to_uniform_show_a_missing_class():
    even = np.eye(10)[np.arange(1000) % 10]
    no_sevens = np.eye(10)[np.array([c for c in np.arange(1100) % 10 if c != 7])]
    assert metrics.kl_to_uniform(metrics.class_fractions(even)) == pytest.approx(0, abs=1e-12)
    fractions = metrics.class_fractions(no_sevens)
    assert fractions[7] == 0 and fractions.sum() == pytest.approx(1)
    assert metrics.kl_to_uniform(fractions) == pytest.approx(np.log(10 / 9))
    assert metrics.kl_to_uniform(metrics.class_fractions(np.eye(10)[[3] * 50])) == pytest.approx(
        np.log(10)
    )


def test_psnr_known_value_and_checks():
    clean = np.zeros((2, 28, 28))
    assert metrics.psnr(clean, clean + 0.1) == pytest.approx(20.0)
    assert metrics.psnr(clean, clean) == float("inf")
    with pytest.raises(ValueError, match="same shape"):
        metrics.psnr(clean, clean[:1])


def test_too_few_samples_are_refused_before_any_work():
    with pytest.raises(ValueError, match=r"samples: 499 images are too few for a stable estimate"):
        metrics.evaluate(np.zeros((499, 28, 28)))


def test_samples_in_no_known_range_are_refused_before_any_work():
    with pytest.raises(
        ValueError, match=r"samples span \[300, 300\]; expected values in \[-1, 1\]"
    ):
        metrics.evaluate(np.full((500, 28, 28), 300.0))
    with pytest.raises(ValueError, match=r"second set have shape \(5, 32, 32\)"):
        metrics.fd_between(np.zeros((500, 28, 28)), np.zeros((5, 32, 32)))


def test_conditional_accuracy_and_its_checks():
    probabilities = np.eye(10)[[1, 2, 3, 3]]
    assert metrics.conditional_accuracy(probabilities, np.array([1, 2, 3, 4])) == 0.75
    with pytest.raises(ValueError, match="labels must be 4 integers"):
        metrics.conditional_accuracy(probabilities, np.array([1.0, 2, 3, 4]))
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.9"):
        metrics.conditional_accuracy(probabilities, np.array([1, 2, 3, 10]))


EYE = np.eye(3)
ZERO = np.zeros(3)


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        (
            (ZERO, EYE, np.zeros(4), EYE),
            ValueError,
            r"mu2 has shape \(4,\), but mu1 has 3 features, so it must be \(3,\)",
        ),
        (
            (ZERO, np.eye(2), ZERO, EYE),
            ValueError,
            r"sigma1 has shape \(2, 2\), but mu1 has 3 features",
        ),
        (
            (ZERO, EYE, ZERO, np.ones(3)),
            ValueError,
            r"sigma2 must be a non-empty 2-D array \(a covariance matrix\)",
        ),
        (
            (np.array([0, np.nan, 0]), EYE, ZERO, EYE),
            ValueError,
            "mu1 contains NaN or infinite values",
        ),
        ((np.array(["a", "b", "c"]), EYE, ZERO, EYE), TypeError, "mu1 must hold numbers"),
    ],
)
def test_frechet_distance_refuses_mismatched_or_broken_statistics(arguments, error, message):
    with pytest.raises(error, match=message):
        metrics.frechet_distance(*arguments)


def test_gaussian_statistics_needs_two_finite_rows():
    with pytest.raises(ValueError, match="features has 1 row; a covariance needs at least 2"):
        metrics.gaussian_statistics(np.ones((1, 4)))
    with pytest.raises(
        ValueError, match=r"features must be a non-empty 2-D array.*got shape \(4,\)"
    ):
        metrics.gaussian_statistics(np.ones(4))


@pytest.mark.parametrize(
    "probabilities, message",
    [
        (np.full((5, 9), 1 / 9), r"probabilities must have shape \(N, 10\).*got \(5, 9\)"),
        (np.zeros((0, 10)), r"probabilities must have shape \(N, 10\) with N >= 1"),
        (np.full((5, 10), 0.5), "rows that sum to 1; apply a softmax"),
        (np.full((5, 10), np.nan), "probabilities contains NaN"),
    ],
)
def test_probability_based_metrics_refuse_what_is_not_a_softmax(probabilities, message):
    for metric in (metrics.classifier_score, metrics.class_fractions):
        with pytest.raises(ValueError, match=message):
            metric(probabilities)


def test_classifier_score_needs_a_row_per_split_and_kl_needs_a_histogram():
    with pytest.raises(ValueError, match="probabilities has 3 rows, fewer than splits=10"):
        metrics.classifier_score(np.full((3, 10), 0.1))
    with pytest.raises(ValueError, match="fractions must be non-negative and sum to 1"):
        metrics.kl_to_uniform(np.full(10, 0.5))


def test_psnr_checks_its_inputs():
    images = np.zeros((2, 28, 28))
    with pytest.raises(ValueError, match="data_range must be the positive span"):
        metrics.psnr(images, images, data_range=0)
    with pytest.raises(ValueError, match="only finite pixel values"):
        metrics.psnr(images, images * np.nan)


def test_reference_statistics_follow_the_mnist_file_in_use(tiny_data, monkeypatch, tmp_path):
    tiny = metrics._reference()
    assert len(tiny["train"]) == 256
    other = tmp_path / "other.npz"
    rng = np.random.default_rng(1)
    np.savez(
        other,
        x_train=rng.integers(0, 256, (300, 28, 28), dtype=np.uint8),
        y_train=np.arange(300, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        y_test=np.arange(20, dtype=np.uint8) % 10,
    )
    monkeypatch.setenv("MNISTGAN_DATA", str(other))
    assert len(metrics._reference()["train"]) == 300  # not the cached statistics of the first file

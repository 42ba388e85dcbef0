import numpy as np
import pytest

from mnistgan_lib.foundations import logistic, naive_bayes


@pytest.fixture
def two_patterns():
    """Binary 784-pixel vectors of 3 classes.

    Each is a fixed pattern with 5% of pixels flipped at random.
    """
    rng = np.random.default_rng(0)
    patterns = rng.random((3, 784)) < 0.3
    y = np.repeat(np.arange(3), 60)
    flips = rng.random((len(y), 784)) < 0.05
    return (patterns[y] ^ flips).astype(np.uint8), y


def test_binarize_thresholds_and_flattens():
    images = np.zeros((2, 28, 28), np.uint8)
    images[0, 0, 0], images[0, 0, 1], images[1, 27, 27] = 127, 128, 255
    x = naive_bayes.binarize(images)
    assert x.shape == (2, 784) and x.dtype == np.uint8
    assert x[0, :3].tolist() == [0, 1, 0] and x[1, -1] == 1 and x.sum() == 2
    with pytest.raises(ValueError, match=r"uint8 with shape \(N, 28, 28\)"):
        naive_bayes.binarize(images.astype(float))


def test_fit_counts_with_laplace_smoothing():
    x = np.zeros((4, 784), np.uint8)
    x[0, 0] = x[1, 0] = x[2, 1] = 1
    y = np.array([0, 0, 1, 2])
    model = naive_bayes.fit(x, y, alpha=1.0, num_classes=4)
    assert model.theta[0, 0] == pytest.approx(
        (2 + 1) / (2 + 2)
    )  # both class-0 examples have pixel 0 on
    assert model.theta[1, 0] == pytest.approx(1 / 3) and model.theta[1, 1] == pytest.approx(2 / 3)
    assert model.theta[3, 5] == pytest.approx(0.5)  # a class never seen: no evidence either way
    np.testing.assert_allclose(np.exp(model.log_prior), [3 / 8, 2 / 8, 2 / 8, 1 / 8])


def test_bayes_rule_classifies_and_normalises(two_patterns):
    x, y = two_patterns
    model = naive_bayes.fit(x, y)
    assert (naive_bayes.predict(model, x) == y).mean() == 1.0
    posterior = naive_bayes.predict_proba(model, x)
    np.testing.assert_allclose(posterior.sum(1), 1.0, rtol=1e-12)
    joint = naive_bayes.log_joint(model, x)
    np.testing.assert_allclose(
        naive_bayes.log_likelihood(model, x),
        np.log(np.exp(joint - joint.max()).sum(1)) + joint.max(),
        rtol=1e-9,
    )


def test_the_likelihood_of_the_training_patterns_beats_noise(two_patterns):
    x, y = two_patterns
    model = naive_bayes.fit(x, y)
    noise = (np.random.default_rng(1).random((20, 784)) < 0.3).astype(np.uint8)
    assert (
        naive_bayes.log_likelihood(model, x).min() > naive_bayes.log_likelihood(model, noise).max()
    )


def test_samples_follow_the_class_conditional_pixel_probabilities(two_patterns):
    x, y = two_patterns
    model = naive_bayes.fit(x, y)
    images = naive_bayes.sample(model, np.full(2000, 1), np.random.default_rng(0))
    assert (
        images.shape == (2000, 28, 28)
        and images.dtype == np.uint8
        and set(np.unique(images)) <= {0, 255}
    )
    frequencies = (images.reshape(2000, 784) == 255).mean(0)
    assert np.abs(frequencies - model.theta[1]).max() < 0.05
    assert naive_bayes.sample(model, np.array([], int), np.random.default_rng(0)).shape == (
        0,
        28,
        28,
    )


def test_naive_bayes_bad_input():
    x, y = np.zeros((2, 784), np.uint8), np.array([0, 1])
    with pytest.raises(ValueError, match="alpha must be > 0"):
        naive_bayes.fit(x, y, alpha=0)
    with pytest.raises(ValueError, match="only 0s and 1s"):
        naive_bayes.fit(x + 3, y)
    with pytest.raises(ValueError, match=r"shape \(N, 784\)"):
        naive_bayes.fit(np.zeros((2, 28, 28), np.uint8), y)
    with pytest.raises(ValueError, match=r"one label in 0\.\.9 per row"):
        naive_bayes.fit(x, np.array([0, 10]))
    with pytest.raises(ValueError, match=r"classes in 0\.\.9"):
        naive_bayes.sample(naive_bayes.fit(x, y), np.array([11]), np.random.default_rng(0))


# --- the discriminative counterpart -----------------------------------------------------------


def test_softmax_regression_learns_the_patterns(two_patterns):
    x, y = two_patterns
    model = logistic.fit(x, y, steps=100, num_classes=3)
    assert model.weights.shape == (784, 3) and (logistic.predict(model, x) == y).mean() == 1.0
    np.testing.assert_allclose(logistic.predict_proba(model, x).sum(1), 1.0, rtol=1e-12)


def test_softmax_regression_gradient_step_lowers_the_loss(two_patterns):
    x, y = two_patterns

    def loss(model):
        return -np.log(logistic.predict_proba(model, x)[np.arange(len(y)), y]).mean()

    losses = [
        loss(logistic.fit(x, y, steps=steps, batch_size=len(y), num_classes=3, l2=0))
        for steps in (0, 1, 5)
    ]
    assert losses[0] == pytest.approx(np.log(3)) and losses[0] > losses[1] > losses[2]


def test_softmax_is_stable_and_fit_is_seeded(two_patterns):
    assert np.allclose(
        logistic.softmax(np.array([[1000.0, 1000.0], [-1000.0, 0.0]])), [[0.5, 0.5], [0.0, 1.0]]
    )
    x, y = two_patterns
    a, b = (logistic.fit(x, y, steps=3, batch_size=16, seed=5, num_classes=3) for _ in range(2))
    assert np.array_equal(a.weights, b.weights)


def test_softmax_regression_bad_input(two_patterns):
    x, y = two_patterns
    with pytest.raises(ValueError, match=r"x must be a 2-D array"):
        logistic.fit(x.reshape(-1, 28, 28), y)
    with pytest.raises(ValueError, match="need lr > 0"):
        logistic.fit(x, y, lr=0)
    with pytest.raises(ValueError, match="one label in"):
        logistic.fit(x, y[:-1])

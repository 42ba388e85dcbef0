"""A generative classifier of MNIST: Bernoulli naive Bayes on binarised pixels.

It models the joint distribution p(x, y) = p(y) p(x | y), with the "naive"
assumption that the 784 pixels are independent given the class:
p(x | y) = prod_j theta_{y,j}^{x_j} (1 - theta_{y,j})^{1 - x_j}.
It classifies with Bayes' rule, p(y | x) = p(x, y) / sum_y' p(x, y'), and,
being a model of x, it can also draw new digits by sampling pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnistgan_lib.core.data import NUM_CLASSES
from mnistgan_lib.core.errors import InputError
from mnistgan_lib.core.pixels import IMAGE_SHAPE, PIXELS


@dataclass(frozen=True)
class BernoulliNB:
    """The fitted model.

    log p(y), shape (K,), and pixel-on probabilities theta[y, j], shape (K, 784).
    """

    log_prior: np.ndarray
    theta: np.ndarray


def binarize(images: np.ndarray, threshold: int = 128) -> np.ndarray:
    """uint8 images (N, 28, 28) as 0/1 pixel vectors (N, 784): 1 where the pixel is >= threshold."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise InputError(
            f"images must be uint8 with shape (N, 28, 28), got {images.dtype} {images.shape}; "
            "pass the arrays that data.load_mnist returns"
        )
    return (images.reshape(len(images), PIXELS) >= threshold).astype(np.uint8)


def _check_binary(x: np.ndarray) -> np.ndarray:
    """x must be an (N, 784) array of 0s and 1s."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != PIXELS:
        raise InputError(
            f"x must have shape (N, {PIXELS}), got {x.shape}; use naive_bayes.binarize(images)"
        )
    if not ((x == 0) | (x == 1)).all():  # (np.isin is ten times slower on MNIST-sized arrays)
        raise InputError(
            "x must hold only 0s and 1s (binarised pixels); use naive_bayes.binarize(images)"
        )
    return x


def fit(
    x: np.ndarray, y: np.ndarray, alpha: float = 1.0, num_classes: int = NUM_CLASSES
) -> BernoulliNB:
    """Maximum-likelihood counts with Laplace smoothing.

    theta = (ones + alpha) / (examples + 2 alpha).
    """
    x, y = _check_binary(x), np.asarray(y)
    if not alpha > 0:
        raise InputError(
            "alpha must be > 0 (with 0, an unseen pixel gets probability 0 and log 0), "
            f"got {alpha}; e.g. alpha=1.0"
        )
    if y.shape != (len(x),) or y.min() < 0 or y.max() >= num_classes:
        raise InputError(
            f"y must hold one label in 0..{num_classes - 1} per row of x, got shape {y.shape}"
        )
    counts = np.bincount(y, minlength=num_classes)
    ones = np.stack(
        [x[y == k].sum(0, dtype=np.int64) for k in range(num_classes)]
    )  # (K, 784) pixel-on counts
    theta = (ones + alpha) / (counts[:, None] + 2 * alpha)
    # The prior is smoothed too, so a class missing from a tiny training set keeps p(y) > 0.
    prior = (counts + alpha) / (len(y) + num_classes * alpha)
    return BernoulliNB(np.log(prior), theta)


def log_joint(model: BernoulliNB, x: np.ndarray) -> np.ndarray:
    """log p(x, y) for every row of x and every class y, shape (N, K)."""
    x = _check_binary(x).astype(np.float64)
    return model.log_prior + x @ np.log(model.theta).T + (1 - x) @ np.log1p(-model.theta).T


def log_likelihood(model: BernoulliNB, x: np.ndarray) -> np.ndarray:
    """log p(x) = log sum_y p(x, y), per row: how plausible the model finds each image."""
    joint = log_joint(model, x)
    top = joint.max(1, keepdims=True)  # log-sum-exp, shifted so that exp never overflows
    return (top + np.log(np.exp(joint - top).sum(1, keepdims=True)))[:, 0]


def predict_proba(model: BernoulliNB, x: np.ndarray) -> np.ndarray:
    """Bayes' rule: p(y | x) = p(x, y) / p(x), shape (N, K)."""
    joint = log_joint(model, x)
    return np.exp(joint - log_likelihood(model, x)[:, None])


def predict(model: BernoulliNB, x: np.ndarray) -> np.ndarray:
    """The most probable class of each row of x."""
    return log_joint(model, x).argmax(1)


def sample(model: BernoulliNB, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one image per label from p(x | y), as uint8 0/255.

    Each pixel is on with probability theta[y, j].
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or (len(labels) and (labels.min() < 0 or labels.max() >= len(model.theta))):
        raise InputError(f"labels must be a 1-D array of classes in 0..{len(model.theta) - 1}")
    pixels = rng.random((len(labels), PIXELS)) < model.theta[labels]
    return (pixels * 255).astype(np.uint8).reshape(len(labels), *IMAGE_SHAPE)

"""A discriminative classifier of MNIST: softmax (multinomial logistic) regression in NumPy.

It models only p(y | x) = softmax(x W + b): nothing about how the images x
themselves are distributed, so it cannot draw a digit, but it spends all of its
parameters on the one question a classifier is asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnistgan_lib.core.data import NUM_CLASSES
from mnistgan_lib.core.errors import InputError


@dataclass(frozen=True)
class SoftmaxRegression:
    """The fitted model: weights, shape (D, K), and biases, shape (K,)."""

    weights: np.ndarray
    bias: np.ndarray


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so that exp never overflows."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _check_features(x: np.ndarray) -> np.ndarray:
    """x must be a 2-D (N, D) array of finite numbers.

    It is returned as is (batches are converted later).
    """
    x = np.asarray(x)
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.number) or not np.isfinite(x).all():
        raise InputError(
            "x must be a 2-D array (N examples, D features) of finite numbers, "
            f"got {x.dtype} {x.shape}; "
            "flatten images first, e.g. naive_bayes.binarize(images)"
        )
    return x


def fit(
    x: np.ndarray,
    y: np.ndarray,
    steps: int = 1000,
    batch_size: int = 128,
    lr: float = 0.5,
    l2: float = 1e-4,
    seed: int = 0,
    num_classes: int = NUM_CLASSES,
) -> SoftmaxRegression:
    """Minimise the mean cross-entropy (plus l2/2 |W|^2) by minibatch gradient descent.

    Gradient descent starts from W = 0.
    """
    x, y = _check_features(x), np.asarray(y)
    if y.shape != (len(x),) or len(y) == 0 or y.min() < 0 or y.max() >= num_classes:
        raise InputError(
            f"y must hold one label in 0..{num_classes - 1} per row of x, got shape {y.shape}"
        )
    if not lr > 0 or l2 < 0 or steps < 0 or batch_size < 1:
        raise InputError(
            "need lr > 0, l2 >= 0, steps >= 0 and batch_size >= 1; "
            f"got {lr}, {l2}, {steps}, {batch_size}"
        )
    weights, bias = np.zeros((x.shape[1], num_classes)), np.zeros(num_classes)
    targets = np.eye(num_classes)[y]
    for batch in _batches(len(x), batch_size, steps, seed):
        inputs = x[batch].astype(np.float64)
        # d(cross-entropy)/d(logits) = softmax - one-hot: the whole backward pass of this model.
        error = (softmax(inputs @ weights + bias) - targets[batch]) / len(batch)
        weights -= lr * (inputs.T @ error + l2 * weights)
        bias -= lr * error.sum(0)
    return SoftmaxRegression(weights, bias)


def _batches(n: int, batch_size: int, steps: int, seed: int):
    """`steps` index batches.

    They walk through fresh seeded permutations of range(n), epoch after epoch.
    """
    rng, order, start = np.random.default_rng(seed), np.arange(0), 0
    batch_size = min(batch_size, n)
    for _ in range(steps):
        if start + batch_size > len(order):
            order, start = rng.permutation(n), 0
        yield order[start : start + batch_size]
        start += batch_size


def predict_proba(model: SoftmaxRegression, x: np.ndarray) -> np.ndarray:
    """p(y | x) for every row of x, shape (N, K)."""
    return softmax(_check_features(x).astype(np.float64) @ model.weights + model.bias)


def predict(model: SoftmaxRegression, x: np.ndarray) -> np.ndarray:
    """The most probable class of each row of x."""
    return (_check_features(x).astype(np.float64) @ model.weights + model.bias).argmax(1)

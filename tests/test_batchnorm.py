import numpy as np
import pytest

from mnistgan_lib.core.backend import keras, seed_everything
from mnistgan_lib.foundations import batchnorm


def two_kinds(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 28x28 images of two classes: dark noise (label 0) and bright noise (label 1)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n).astype(np.uint8)
    images = rng.integers(0, 128, size=(n, 28, 28)) + 127 * labels[:, None, None]
    return images.astype(np.uint8), labels


def test_mlp_with_and_without_batch_norm():
    plain, normed = batchnorm.mlp(False, (8, 8), classes=2), batchnorm.mlp(True, (8, 8), classes=2)
    kinds = [type(layer).__name__ for layer in normed.layers]
    assert kinds.count("BatchNormalization") == 2
    assert "BatchNormalization" not in [type(layer).__name__ for layer in plain.layers]
    assert plain.output_shape == normed.output_shape == (None, 2)
    assert not normed.layers[1].use_bias and plain.layers[1].use_bias  # BN's beta replaces the bias


def test_the_same_seed_gives_both_networks_the_same_dense_weights():
    kernels = []
    for batch_norm in (False, True):
        seed_everything(3)
        model = batchnorm.mlp(batch_norm, (8, 8))
        kernels.append([w.numpy() for w in model.weights if "kernel" in w.path])
    assert all(np.array_equal(a, b) for a, b in zip(*kernels))


@pytest.mark.parametrize("batch_norm", [False, True])
def test_train_with_clock_records_curves_and_learns(batch_norm):
    seed_everything(0)
    model = batchnorm.mlp(batch_norm, (16,), classes=2)
    curves = batchnorm.train_with_clock(
        model,
        keras.optimizers.Adam(1e-2),
        two_kinds(256, 0),
        two_kinds(200, 1),
        steps=60,
        batch_size=32,
        eval_every=25,
    )
    assert curves.loss.shape == curves.seconds.shape == (60,)
    assert curves.eval_steps.tolist() == [0, 25, 50, 60] and curves.val_accuracy.shape == (4,)
    assert np.all(np.diff(curves.seconds) > 0) and curves.seconds[-1] < 30
    assert curves.val_accuracy[-1] > 0.95 and curves.loss[-10:].mean() < curves.loss[:10].mean()


def test_train_with_clock_checks_its_arguments():
    model = batchnorm.mlp(False, (4,), classes=2)
    with pytest.raises(ValueError, match="steps and eval_every must be >= 1"):
        batchnorm.train_with_clock(
            model, keras.optimizers.SGD(0.1), two_kinds(64, 0), two_kinds(10, 1), steps=0
        )
    with pytest.raises(ValueError, match=r"batch_size must be in 1\.\.10"):
        batchnorm.train_with_clock(
            model,
            keras.optimizers.SGD(0.1),
            two_kinds(10, 0),
            two_kinds(10, 1),
            steps=5,
            batch_size=32,
        )


def test_time_to_accuracy_reads_the_first_evaluation_at_the_threshold():
    curves = batchnorm.Curves(
        loss=np.ones(100),
        seconds=np.linspace(0.01, 1.0, 100),
        eval_steps=np.array([0, 50, 100]),
        val_accuracy=np.array([0.1, 0.92, 0.95]),
    )
    assert batchnorm.time_to_accuracy(curves, 0.9) == (50, 0.5)
    assert batchnorm.time_to_accuracy(curves, 0.05) == (0, 0.0)
    assert batchnorm.time_to_accuracy(curves, 0.99) == (None, None)

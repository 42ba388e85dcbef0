"""Does batch normalization speed up learning? The networks and the timed loop that measure it.

`mlp` builds the same small classifier with or without BatchNormalization;
`train_with_clock` trains it on MNIST-shaped uint8 images (scaled to [-1, 1]
and batched by `data.make_dataset`) and records the loss at every step, the
validation accuracy every few steps, and the seconds spent training (not
evaluating), so that learning curves can be drawn against steps and against time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mnistgan_lib.core import data, pixels
from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.core.errors import InputError


def mlp(
    batch_norm: bool, hidden: tuple[int, ...] = (100, 100, 100), classes: int = 10
) -> keras.Model:
    """An MLP classifier with or without batch normalization; input (N, 28, 28, 1).

    Flatten, then Dense -> [BatchNorm] -> ReLU blocks, then linear class logits.
    """
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    for width in hidden:
        # With BatchNorm the Dense bias is redundant: BN subtracts the mean and adds its own
        # shift (beta).
        layers.append(keras.layers.Dense(width, use_bias=not batch_norm))
        if batch_norm:
            layers.append(keras.layers.BatchNormalization())
        layers.append(keras.layers.ReLU())
    layers.append(keras.layers.Dense(classes))
    return keras.Sequential(layers, name="mlp_bn" if batch_norm else "mlp")


@dataclass
class Curves:
    """One training run's curves.

    Loss and cumulative training seconds per step, validation accuracy at `eval_steps`.
    """

    loss: np.ndarray
    seconds: np.ndarray
    eval_steps: np.ndarray
    val_accuracy: np.ndarray


def _train_step(model: keras.Model, optimizer: keras.optimizers.Optimizer):
    """A compiled step: one minibatch of softmax cross-entropy, returns the loss."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        optimizer.apply_gradients(
            zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        )
        return loss

    return step


def accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of uint8 `images` the model classifies as `labels`.

    Inference mode: BN uses its moving averages.
    """
    logits = model(pixels.to_gan_range(images), training=False).numpy()
    return float((logits.argmax(1) == labels).mean())


def train_with_clock(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    steps: int,
    batch_size: int = 64,
    eval_every: int = 50,
    seed: int = 0,
) -> Curves:
    """Train on `data.make_dataset` batches of the uint8 `train` images.

    Only the training steps are timed.
    """
    if steps < 1 or eval_every < 1:
        raise InputError(f"steps and eval_every must be >= 1, got {steps} and {eval_every}")
    batches = iter(data.make_dataset(*train, batch_size=batch_size, seed=seed).repeat())
    step_fn = _train_step(model, optimizer)
    # Create the optimizer's slots before tf.function traces.
    optimizer.build(model.trainable_variables)
    # Trace now, so that compiling the step is not counted as training time.
    step_fn.get_concrete_function(
        *(tf.TensorSpec(part.shape, part.dtype) for part in batches.element_spec)
    )
    losses, seconds, evals, accuracies, clock = [], [], [0], [accuracy(model, *validation)], 0.0
    for index in range(1, steps + 1):
        images, labels = next(batches)
        start = time.perf_counter()
        losses.append(float(step_fn(images, labels)))  # float() waits for the step to finish
        clock += time.perf_counter() - start
        seconds.append(clock)
        if index % eval_every == 0 or index == steps:
            evals.append(index)
            accuracies.append(accuracy(model, *validation))
    return Curves(np.array(losses), np.array(seconds), np.array(evals), np.array(accuracies))


def time_to_accuracy(curves: Curves, threshold: float) -> tuple[int | None, float | None]:
    """When validation accuracy first reached `threshold`.

    The first evaluated step at which it did, and the training seconds by then;
    (None, None) if it never did.
    """
    reached = np.flatnonzero(curves.val_accuracy >= threshold)
    if len(reached) == 0:
        return None, None
    step = int(curves.eval_steps[reached[0]])
    return step, float(curves.seconds[step - 1]) if step > 0 else 0.0

"""The GAN losses of Goodfellow et al. (2014), computed from discriminator logits.

Every function takes the discriminator's *logits* l (before the sigmoid,
D = sigmoid(l)) as tensors of any shape and returns a scalar mean. Working
on logits lets TensorFlow use log-sigmoid identities that stay finite where
log(D) or log(1 - D) would round to log(0):

    log D       = -softplus(-l)
    log (1 - D) = -softplus(l)

The generator's loss comes in two forms; the minimax chapter measures why
the non-saturating one is the one to train with.
"""

from __future__ import annotations

import numpy as np

from mnistgan_lib.core.backend import tf
from mnistgan_lib.core.errors import InputError

GENERATOR_LOSSES = ("nonsaturating", "saturating")


def _logits(value, name: str) -> tf.Tensor:
    """`value` as a floating tensor, or a ValueError that names the argument."""
    tensor = tf.convert_to_tensor(value)
    if not tensor.dtype.is_floating:
        raise InputError(
            f"{name} must hold floating-point discriminator logits, got dtype {tensor.dtype.name}; "
            f"pass the discriminator's raw outputs (no sigmoid), e.g. tf.cast({name}, tf.float32)"
        )
    if tensor.shape.num_elements() == 0:
        raise InputError(f"{name} is empty; pass the logits of at least one example")
    return tensor


def _target(value, name: str, like: tf.Tensor) -> tf.Tensor:
    """A label: a number or a tensor broadcastable to the logits.

    Numbers and arrays are checked to lie in [0, 1].
    """
    # Tensors are not checked: inside a tf.function their values are not known yet.
    if not tf.is_tensor(value) and (np.any(np.asarray(value) < 0) or np.any(np.asarray(value) > 1)):
        raise InputError(
            f"{name} must lie in [0, 1] (it is the probability that the example is real), "
            f"got {value!r}; "
            "use 1.0 for real and 0.0 for fake, or e.g. 0.9 for one-sided label smoothing"
        )
    return tf.broadcast_to(tf.cast(value, like.dtype), tf.shape(like))


def discriminator_loss(real_logits, fake_logits, real_target=1.0, fake_target=0.0) -> tf.Tensor:
    """Binary cross-entropy of D on a real and a fake batch: -E[log D(x)] - E[log(1 - D(G(z)))].

    The targets default to 1 and 0, the minimax game's; the stabilization
    chapter passes softer or noisy ones (a float, or a tensor shaped like the logits).
    """
    real_logits, fake_logits = (
        _logits(real_logits, "real_logits"),
        _logits(fake_logits, "fake_logits"),
    )
    real = tf.nn.sigmoid_cross_entropy_with_logits(
        _target(real_target, "real_target", real_logits), real_logits
    )
    fake = tf.nn.sigmoid_cross_entropy_with_logits(
        _target(fake_target, "fake_target", fake_logits), fake_logits
    )
    # Mean over each batch separately, so the two halves weigh the same even if their sizes differ.
    return tf.reduce_mean(real) + tf.reduce_mean(fake)


def generator_loss_saturating(fake_logits) -> tf.Tensor:
    """The minimax generator loss, E[log(1 - D(G(z)))], to be minimised.

    Its gradient vanishes as D(G(z)) -> 0.
    """
    fake_logits = _logits(fake_logits, "fake_logits")
    return -tf.reduce_mean(tf.nn.softplus(fake_logits))


def generator_loss_nonsaturating(fake_logits) -> tf.Tensor:
    """The non-saturating generator loss, -E[log D(G(z))], to be minimised.

    Its gradients are strong when D rejects the fakes.
    """
    fake_logits = _logits(fake_logits, "fake_logits")
    return tf.reduce_mean(tf.nn.softplus(-fake_logits))


def generator_loss(fake_logits, kind: str = "nonsaturating") -> tf.Tensor:
    """The generator loss named by `kind`.

    "nonsaturating" (the default) or "saturating" (the minimax one).
    """
    if kind == "nonsaturating":
        return generator_loss_nonsaturating(fake_logits)
    if kind == "saturating":
        return generator_loss_saturating(fake_logits)
    raise InputError(f"kind must be one of {', '.join(GENERATOR_LOSSES)}, got {kind!r}")


def real_and_fake_accuracy(real_logits, fake_logits) -> tuple[tf.Tensor, tf.Tensor]:
    """Shares of a real and of a fake batch that D classifies correctly (logit > 0 means "real")."""
    real_logits, fake_logits = (
        _logits(real_logits, "real_logits"),
        _logits(fake_logits, "fake_logits"),
    )
    return tf.reduce_mean(tf.cast(real_logits > 0, tf.float32)), tf.reduce_mean(
        tf.cast(fake_logits <= 0, tf.float32)
    )


def discriminator_accuracy(real_logits, fake_logits) -> tf.Tensor:
    """Share of a real and a fake batch, weighted equally, that D classifies correctly."""
    real_right, fake_right = real_and_fake_accuracy(real_logits, fake_logits)
    return (real_right + fake_right) / 2

"""Wasserstein GANs: the critic's losses, weight clipping and the gradient penalty.

Also a `GAN` that trains with them.

The critic f outputs an unbounded score, not a probability. By the
Kantorovich-Rubinstein duality, the earth mover's distance is

    W(P_real, P_fake) = sup over 1-Lipschitz f of  E[f(real)] - E[f(fake)]

so the critic maximises that difference (minimises its negative) and the
generator minimises -E[f(fake)]. The supremum runs over *1-Lipschitz*
functions only; without a constraint the difference has no upper bound.
Two ways to impose it:

    weight clipping    every critic weight clipped to [-c, c] after each step
                       (Arjovsky, Chintala and Bottou 2017): RMSprop 5e-5, c = 0.01
    gradient penalty   lambda * E[(|grad f(x_hat)| - 1)^2] on random points between
                       real and fake images (Gulrajani et al. 2017): lambda = 10,
                       Adam(1e-4, 0.5, 0.9), no batch normalization in the critic

Presets (in `gans.presets`): `wgan-source` (the source's unconstrained "WGAN"),
`wgan-clip` and `wgan-gp`, all with the plain DCGAN generator and `build_critic`.
"""

from __future__ import annotations

import math

import numpy as np

from mnistgan_lib.core import data
from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.core.errors import InputError
from mnistgan_lib.gans import networks
from mnistgan_lib.gans.gan import GAN
from mnistgan_lib.gans.stabilization import NONE, Stabilization

# --- losses ---------------------------------------------------------------------------


def critic_loss(real_scores, fake_scores) -> tf.Tensor:
    """The critic's loss E[f(fake)] - E[f(real)]: minus the Wasserstein estimate."""
    return tf.reduce_mean(fake_scores) - tf.reduce_mean(real_scores)


def generator_loss(fake_scores) -> tf.Tensor:
    """The generator's loss -E[f(fake)]: moves fakes to where the critic scores high."""
    return -tf.reduce_mean(fake_scores)


def wasserstein_estimate(real_scores, fake_scores) -> tf.Tensor:
    """E[f(real)] - E[f(fake)]: Wasserstein estimate, true only if f is 1-Lipschitz."""
    return tf.reduce_mean(real_scores) - tf.reduce_mean(fake_scores)


def source_loss(y_true, y_pred) -> tf.Tensor:
    """The source's Keras loss mean(y_true * y_pred).

    With labels -1 (real) and +1 (fake) it equals `critic_loss`.
    """
    return tf.reduce_mean(tf.cast(y_true, y_pred.dtype) * y_pred)


# --- the Lipschitz constraints --------------------------------------------------------


def interpolation_weights(count, seed) -> tf.Tensor:
    """One weight per example drawn uniformly from [0, 1].

    The weights pick the points between real and fake images.
    """
    return keras.random.uniform((count,), 0.0, 1.0, seed=seed)


def _checked_weights(weights, count: int | None) -> tf.Tensor:
    """Interpolation weights as a float tensor, one per example.

    When given as numbers they are checked to lie in [0, 1].
    """
    if not tf.is_tensor(weights):
        array = np.asarray(weights, dtype=np.float32)
        if array.ndim != 1 or (count is not None and len(array) != count):
            raise InputError(
                "weights must hold one interpolation weight per example, "
                f"shape ({count},), got shape {array.shape}"
            )
        if np.any(array < 0) or np.any(array > 1):
            raise InputError(
                "weights must lie in [0, 1] (x_hat = w * real + (1 - w) * fake), "
                f"got {array.tolist()}"
            )
        weights = array
    return tf.cast(weights, tf.float32)


def gradient_penalty(critic, real, fake, weights) -> tf.Tensor:
    """The gradient penalty E[(|grad f(x_hat)|_2 - 1)^2], unweighted by lambda.

    x_hat = w * real + (1 - w) * fake, with one weight w per example.

    `weights` are passed in (see `interpolation_weights`) so a test can fix them.
    """
    real, fake = (
        tf.convert_to_tensor(real, tf.float32),
        tf.convert_to_tensor(fake, tf.float32),
    )
    if real.shape != fake.shape:
        raise InputError(
            f"real and fake must have the same shape, got {real.shape} and {fake.shape}"
        )
    weights = _checked_weights(weights, real.shape[0])
    weights = tf.reshape(weights, [-1] + [1] * (len(real.shape) - 1))
    between = weights * real + (1.0 - weights) * fake
    with tf.GradientTape() as tape:
        tape.watch(between)
        scores = critic(between, training=True)
    gradients = tape.gradient(scores, between)
    # The tiny constant keeps the norm's own gradient finite where the critic's
    # gradient is exactly zero.
    norms = tf.sqrt(
        tf.reduce_sum(tf.square(gradients), axis=list(range(1, len(real.shape))))
        + 1e-12
    )
    return tf.reduce_mean(tf.square(norms - 1.0))


def clip_weights(model: keras.Model, clip_value: float) -> tf.Tensor:
    """Clip every trainable weight of `model` to [-clip_value, clip_value].

    Returns the share of weights that moved.
    """
    moved, total = 0.0, 0
    for variable in model.trainable_variables:
        moved += tf.reduce_sum(tf.cast(tf.abs(variable) > clip_value, tf.float32))
        total += int(np.prod(variable.shape))
        variable.assign(tf.clip_by_value(variable, -clip_value, clip_value))
    return moved / total


# --- the model ------------------------------------------------------------------------


def check_settings(
    critic_steps: int, clip_value: float | None, gp_weight: float, unconstrained: bool
) -> None:
    """Refuse WGAN settings that make no sense, naming the argument and what would."""
    if not data.is_whole_number(critic_steps) or critic_steps < 1:
        raise InputError(
            "critic_steps must be a whole number >= 1 "
            "(critic updates per generator update), "
            f"got {critic_steps!r}"
        )
    if clip_value is not None and not (
        isinstance(clip_value, (int, float)) and 0 < clip_value < math.inf
    ):
        raise InputError(
            "clip_value must be a finite number > 0 (e.g. 0.01) "
            "or None for no clipping, "
            f"got {clip_value!r}"
        )
    if not (isinstance(gp_weight, (int, float)) and 0 <= gp_weight < math.inf):
        raise InputError(
            "gp_weight must be a finite number >= 0 "
            "(e.g. 10, or 0 for no gradient penalty), "
            f"got {gp_weight!r}"
        )
    if clip_value is not None and gp_weight > 0:
        raise InputError(
            f"choose one Lipschitz constraint: clip_value={clip_value} "
            f"or gp_weight={gp_weight}, "
            "not both; "
            "set clip_value=None for the gradient penalty or gp_weight=0 for clipping"
        )
    constrained = clip_value is not None or gp_weight > 0
    if constrained == unconstrained:
        raise InputError(
            (
                "a WGAN critic needs a Lipschitz constraint: "
                "set clip_value (e.g. 0.01) or gp_weight (e.g. 10)"
            )
            if not constrained
            else (
                "unconstrained=True means no constraint, "
                "but clip_value or gp_weight is set; "
                "drop one of them"
            )
        )


class WGAN(GAN):
    """A generator and a Wasserstein critic.

    The critic is kept Lipschitz by weight clipping or a gradient penalty.

    Each `train_step` updates the critic once, on its own real batch, and the
    generator once every `critic_steps` steps (when the critic optimizer's
    iteration count is a multiple of it). So every critic update sees fresh real
    data, as in Arjovsky et al.'s Algorithm 1, instead of reusing one batch
    `critic_steps` times as a loop inside the step would; an epoch therefore
    makes `steps / critic_steps` generator updates, and a resumed run knows
    whose turn it is from the saved iteration count. `unconstrained=True`
    (no clipping, no penalty) exists only to reproduce the source's version.
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim: int,
        critic_steps: int = 5,
        clip_value: float | None = None,
        gp_weight: float = 10.0,
        unconstrained: bool = False,
        stabilization: Stabilization = NONE,
        **kwargs,
    ):
        check_settings(critic_steps, clip_value, gp_weight, unconstrained)
        if "generator_loss" in kwargs:
            raise InputError(
                f"generator_loss={kwargs['generator_loss']!r} "
                "does not apply to a WGAN, whose "
                "generator minimises -E[f(fake)]; leave it out"
            )
        if (
            stabilization.real_labels != (1.0, 1.0)
            or stabilization.flip_probability > 0
        ):
            raise InputError(
                "label smoothing and label flipping do not apply to a "
                "Wasserstein critic (it has no labels); "
                "leave --real-labels and --flip-labels at their defaults"
            )
        self.TRACKED = ("critic_loss", "g_loss", "wasserstein") + (
            ("clipped_share",)
            if clip_value is not None
            else ("gradient_penalty",)
            if gp_weight > 0
            else ()
        )
        super().__init__(
            generator, discriminator, latent_dim, stabilization=stabilization, **kwargs
        )
        self.critic_steps, self.clip_value, self.gp_weight = (
            int(critic_steps),
            clip_value,
            float(gp_weight),
        )

    def discriminator_step(self, real, labels=None) -> dict:
        """One critic update on a real batch and a fresh fake one.

        Returns what it logs.
        """
        count = tf.shape(real)[0]
        fake, _ = self.fake_batch(count)
        real, fake = self.discriminator_view(real), self.discriminator_view(fake)
        logged = {}
        with tf.GradientTape() as tape:
            real_scores = self.discriminator(real, training=True)
            fake_scores = self.discriminator(fake, training=True)
            loss = critic_loss(real_scores, fake_scores)
            if self.gp_weight > 0:
                weights = interpolation_weights(count, self.seed_generator)
                logged["gradient_penalty"] = gradient_penalty(
                    self.discriminator, real, fake, weights
                )
                loss += self.gp_weight * logged["gradient_penalty"]
        self.apply_gradients(tape, loss, self.discriminator, self.d_optimizer)
        if self.clip_value is not None:
            logged["clipped_share"] = clip_weights(self.discriminator, self.clip_value)
        return {
            "critic_loss": loss,
            "wasserstein": wasserstein_estimate(real_scores, fake_scores),
            **logged,
        }

    def generator_step(self, count) -> dict:
        """One generator update on a fresh fake batch, then the weight average.

        Returns its loss.
        """
        with tf.GradientTape() as tape:
            fake, _ = self.fake_batch(count)
            loss = generator_loss(
                self.discriminator(self.discriminator_view(fake), training=True)
            )
        self.apply_gradients(tape, loss, self.generator, self.g_optimizer)
        self.update_ema()
        return {"g_loss": loss}

    def train_step(self, batch):
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        # Its slots cannot be created inside the tf.cond branch below.
        if not self.g_optimizer.built:
            self.build_optimizers()
        # Phase 1: one critic update on this step's real batch.
        logged = self.discriminator_step(real)
        # Phase 2: one generator update on every `critic_steps`-th step only.
        turn = tf.equal(self.d_optimizer.iterations % self.critic_steps, 0)
        update = lambda: self.generator_step(tf.shape(real)[0])["g_loss"]  # noqa: E731
        logged["g_loss"] = tf.cond(turn, update, lambda: tf.constant(0.0))
        # Phase 3: running means; the generator's loss is averaged over the steps
        # that updated it.
        return self.record(logged, weights={"g_loss": tf.cast(turn, tf.float32)})


def build_critic() -> keras.Model:
    """The critic the three WGAN presets share.

    The default DCGAN discriminator, a linear score, no batch norm.
    """
    # No batch normalization: it would make each image's score depend on its batch,
    # which the gradient penalty (a per-image gradient) does not allow; the network
    # already ends in a linear unit.
    return networks.build_conv_discriminator(batch_norm=False)

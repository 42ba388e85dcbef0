"""A GAN as a `keras.Model` with its own `train_step` (the DCGAN chapter).

One training step is a discriminator step (one update on a real and a fake
batch) and then a generator step (one update on a fresh fake batch); each
returns the numbers it logs. The AC-GAN, the self-conditioned GAN and the
WGAN override those two steps and nothing else of the loop. The generator
can be tracked by an exponential moving average of its weights
(`ema_decay`), which samples better than the last iterate of a noisy game.
"""

from __future__ import annotations

import numpy as np

from mnistgan_lib.core import data
from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.core.errors import InputError, InputTypeError
from mnistgan_lib.foundations import losses
from mnistgan_lib.gans.stabilization import NONE, Stabilization
from mnistgan_lib.measuring import metrics

NOISE_KINDS = ("normal", "uniform")
NUM_CLASSES = data.NUM_CLASSES
NOISE_CHUNK = 1000  # rows of noise per draw when sampling many images


def sample_noise(shape, kind: str, seed) -> tf.Tensor:
    """Latent vectors: standard normal, or uniform on [-1, 1]."""
    if kind == "uniform":
        return keras.random.uniform(shape, -1.0, 1.0, seed=seed)
    if kind == "normal":
        return keras.random.normal(shape, seed=seed)
    raise InputError(f"noise must be one of {', '.join(NOISE_KINDS)}, got {kind!r}")


def requested_labels(n: int, label: int | None = None) -> np.ndarray:
    """Classes to ask a conditional generator for: all `label`, or balanced.

    Without a `label` the classes are balanced: 0, 1, ..., 9, 0, 1, ...
    """
    if label is None:
        return np.arange(n) % NUM_CLASSES
    if not data.is_whole_number(label) or not 0 <= label < NUM_CLASSES:
        raise InputError(f"label must be a digit class from 0 to 9, got {label!r}")
    return np.full(n, int(label))


def generate_images(
    generator: keras.Model,
    latent_dim: int,
    noise: str,
    count: int,
    seed: int = 0,
    labels=None,
    batch_size: int = 1000,
) -> np.ndarray:
    """`count` images in [-1, 1] (N x 28 x 28 x 1) from `generator`.

    The noise is drawn with `seed`. A conditional generator also gets `labels`
    (one class per image).
    """
    if not data.is_whole_number(count) or count < 1:
        raise InputError(f"count must be a positive number of images, got {count!r}")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (count,):
            raise InputError(
                f"labels must hold one class per image, shape ({count},), "
                f"got shape {labels.shape}"
            )
    # The noise is drawn in chunks of NOISE_CHUNK from one stream: the shipped cards'
    # samples were drawn so, and one draw of all `count` rows would give other digits
    # after the first chunk.
    stream = keras.random.SeedGenerator(seed)
    chunks = [
        sample_noise((min(NOISE_CHUNK, count - start), latent_dim), noise, stream)
        for start in range(0, count, NOISE_CHUNK)
    ]
    z = np.concatenate([np.asarray(chunk) for chunk in chunks])
    inputs = z if labels is None else [z, labels.astype(np.int32)]
    return np.asarray(generator.predict(inputs, batch_size=batch_size, verbose=0))


class GAN(keras.Model):
    """A generator and a discriminator trained against each other with `fit()`."""

    conditional = False  # whether the generator is told which digit to draw
    TRACKED = (
        "d_loss",
        "g_loss",
        "d_acc_real",
        "d_acc_fake",
    )  # what `fit()` logs, in this order

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent_dim: int,
        noise: str = "normal",
        generator_loss: str = "nonsaturating",
        ema_decay: float | None = None,
        seed: int = 0,
        stabilization: Stabilization = NONE,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if noise not in NOISE_KINDS:
            raise InputError(
                f"noise must be one of {', '.join(NOISE_KINDS)}, got {noise!r}"
            )
        if generator_loss not in losses.GENERATOR_LOSSES:
            raise InputError(
                f"generator_loss must be one of {', '.join(losses.GENERATOR_LOSSES)}, "
                f"got {generator_loss!r}"
            )
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise InputError(
                f"ema_decay must lie in (0, 1) or be None, got {ema_decay}"
            )
        if not isinstance(stabilization, Stabilization):
            raise InputTypeError(
                "stabilization must be a Stabilization, "
                f"got {type(stabilization).__name__}"
            )
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.noise, self.generator_loss_kind = (
            latent_dim,
            noise,
            generator_loss,
        )
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.ema_decay, self.stabilization = ema_decay, stabilization
        self.ema_generator = keras.models.clone_model(generator) if ema_decay else None
        if self.ema_generator is not None:
            self.ema_generator.set_weights(generator.get_weights())
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.TRACKED}

    @property
    def metrics(self) -> list:
        return list(self.trackers.values())

    @property
    def sampler(self) -> keras.Model:
        """The generator to draw samples from: the weight average when there is one."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer,
        g_optimizer: keras.optimizers.Optimizer,
        **kwargs,
    ):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def build_optimizers(self) -> None:
        """Create the optimizers' slots now.

        A restored checkpoint needs them to exist.
        """
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    # --- what one step is made of -----------------------------------------------------

    def noise_batch(self, count) -> tf.Tensor:
        """A batch of latent vectors.

        They come from this GAN's noise distribution and seed stream.
        """
        return sample_noise((count, self.latent_dim), self.noise, self.seed_generator)

    def fake_batch(self, count) -> tuple[tf.Tensor, tf.Tensor | None]:
        """Generated digits for a fresh batch of noise, and the classes asked for.

        An unconditional GAN asks for none: the classes are None.
        """
        return self.generator(self.noise_batch(count), training=True), None

    def training_labels(
        self, images: np.ndarray, labels: np.ndarray
    ) -> np.ndarray | None:
        """What to pair each training image with: nothing.

        An unconditional GAN reads images only.
        """
        return None

    def real_and_fake_targets(self, real_logits, fake_logits):
        """Discriminator targets: 1 for real and 0 for fake.

        Label smoothing or flipping, when on, changes them.
        """
        return self.stabilization.targets(real_logits, fake_logits, self.seed_generator)

    def discriminator_view(self, images) -> tf.Tensor:
        """What the discriminator is shown: `images`, augmented and with instance
        noise when those are on (`Stabilization.perturb`; the noise is annealed).
        """
        return self.stabilization.perturb(
            images, self.d_optimizer.iterations, self.seed_generator
        )

    def apply_gradients(
        self, tape: tf.GradientTape, loss, network: keras.Model, optimizer
    ) -> None:
        """One optimizer update of `network` down the gradient of `loss`."""
        gradients = tape.gradient(loss, network.trainable_variables)
        optimizer.apply(gradients, network.trainable_variables)

    # --- the two steps ----------------------------------------------------------------

    def discriminator_step(self, real, labels=None) -> dict:
        """One discriminator update on a real batch and a fresh fake one.

        Returns what it logs.
        """
        fake, _ = self.fake_batch(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(
                self.discriminator_view(real), training=True
            )
            fake_logits = self.discriminator(
                self.discriminator_view(fake), training=True
            )
            real_target, fake_target = self.real_and_fake_targets(
                real_logits, fake_logits
            )
            d_loss = losses.discriminator_loss(
                real_logits, fake_logits, real_target, fake_target
            )
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)
        d_acc_real, d_acc_fake = losses.real_and_fake_accuracy(real_logits, fake_logits)
        return {"d_loss": d_loss, "d_acc_real": d_acc_real, "d_acc_fake": d_acc_fake}

    def generator_step(self, count) -> dict:
        """One generator update on a fresh fake batch, then the weight average.

        Returns its logs.
        """
        with tf.GradientTape() as tape:
            fooled, _ = self.fake_batch(count)
            fooled_logits = self.discriminator(
                self.discriminator_view(fooled), training=True
            )
            g_loss = losses.generator_loss(fooled_logits, self.generator_loss_kind)
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)
        self.update_ema()
        return {"g_loss": g_loss}

    def train_step(self, batch):
        # A batch is images, or (images, labels) for a GAN that pairs them with classes.
        real, labels = batch if isinstance(batch, (tuple, list)) else (batch, None)
        # Phase 1: the discriminator learns to tell this real batch from fresh fakes.
        logged = self.discriminator_step(real, labels)
        # Phase 2: the generator learns to fool the updated discriminator.
        logged.update(self.generator_step(tf.shape(real)[0]))
        # Phase 3: running means of everything logged, for the progress bar and
        # for history.csv.
        return self.record(logged)

    def record(self, logged: dict, weights: dict | None = None) -> dict:
        """Add this step's values to the trackers; return their means.

        A value with weight 0 is left out.
        """
        for name, value in logged.items():
            self.trackers[name].update_state(
                value, sample_weight=(weights or {}).get(name)
            )
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def update_ema(self) -> None:
        """Move the averaged generator's weights a step towards the trained one's."""
        if self.ema_generator is None:
            return
        # Warm-up: early on, average over the steps there have been, not over
        # 1 / (1 - decay) of them.
        steps = tf.cast(self.g_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + steps) / (10.0 + steps))
        for average, current in zip(self.ema_generator.weights, self.generator.weights):
            average.assign(decay * average + (1.0 - decay) * current)

    # --- sampling ---------------------------------------------------------------------

    def generate(self, count: int, seed: int = 0, labels=None) -> np.ndarray:
        """`count` images in [-1, 1] (N x 28 x 28 x 1) from the sampler.

        The noise is drawn with `seed`.

        A conditional GAN draws the digits `labels` (default 0, 1, ..., 9 repeating).
        """
        if not self.conditional:
            if labels is not None:
                raise InputError(
                    "this GAN is unconditional and cannot draw chosen digits; "
                    "leave out labels"
                )
            return generate_images(
                self.sampler, self.latent_dim, self.noise, count, seed
            )
        labels = metrics.check_labels(
            requested_labels(count) if labels is None else labels, count
        )
        return generate_images(
            self.sampler, self.latent_dim, self.noise, count, seed, labels=labels
        )

    def samples_to_measure(
        self, count: int, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Images for the measuring kit and the labels they were asked to show.

        The labels are None for an unconditional GAN.
        """
        labels = requested_labels(count) if self.conditional else None
        return self.generate(count, seed, labels), labels

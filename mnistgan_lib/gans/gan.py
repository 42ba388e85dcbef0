"""A GAN as a `keras.Model` with its own `train_step`, and the named DCGAN presets the course compares.

One training step updates the discriminator on a real and a fake batch, then
the generator on a fresh fake batch, and logs both losses and the
discriminator's accuracy on real and on fake images. The generator can be
tracked by an exponential moving average of its weights (`ema_decay`),
which samples better than the last iterate of a noisy game.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mnistgan_lib.foundations import losses
from mnistgan_lib.gans import networks
from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.gans.stabilization import NONE, Stabilization

NOISE_KINDS = ("normal", "uniform")


@dataclass(frozen=True)
class GanPreset:
    """Everything that defines one GAN recipe: networks, noise, batch size, optimizers and the model class.

    `gan_class` (default `GAN`) and `gan_options` let the AC-GAN and WGAN modules
    define presets of their own kinds; `conditional` presets' generators take
    [noise, labels] and train on (images, labels) batches.
    """

    name: str
    summary: str
    build_generator: Callable[[int], keras.Model]
    build_discriminator: Callable[[], keras.Model]
    latent_dim: int
    noise: str
    batch_size: int
    make_optimizer: Callable[[], keras.optimizers.Optimizer]
    ema_decay: float | None = None
    gan_class: type | None = None
    gan_options: dict = field(default_factory=dict)
    conditional: bool = False


def _adam(learning_rate: float, beta_1: float = 0.9) -> Callable[[], keras.optimizers.Optimizer]:
    return lambda: keras.optimizers.Adam(learning_rate, beta_1=beta_1)


# The default recipe's optimizer (one per network). Adam at 1e-3, not the usual 2e-4: in equal CPU time
# it learns much faster (a note in NOTES.md).
DEFAULT_OPTIMIZER = _adam(1e-3, 0.5)

PRESETS: dict[str, GanPreset] = {
    preset.name: preset
    for preset in [
        GanPreset(
            "dcgan-unclustered", "the default's networks and settings without self-conditioning (the previous default)",
            networks.build_generator, networks.build_discriminator, 64, "normal", 64, DEFAULT_OPTIMIZER, ema_decay=0.999,
        ),
        GanPreset(
            "dcgan-source", "source design (a): 256-d uniform noise, four transposes, BatchNorm and dropout",
            networks.build_source_generator, networks.build_source_discriminator, 256, "uniform", 128, _adam(1e-3),
        ),
        GanPreset(
            "dcgan-paper", "source design (b): the DCGAN paper's guidelines, Adam(3e-4, 0.5), batch 32",
            networks.build_paper_generator, networks.build_paper_discriminator, 100, "normal", 32, _adam(3e-4, 0.5),
        ),
        GanPreset(
            "dcgan-compact", "source design (c): a compact sequential DCGAN with selu and dropout",
            networks.build_compact_generator, networks.build_compact_discriminator, 100, "normal", 32,
            lambda: keras.optimizers.RMSprop(1e-3),
        ),
        GanPreset(
            "dcgan-fragile", "the plain DCGAN's networks made unstable on purpose: Adam(2e-3, beta_1 0.9), no averaging",
            # The stabilization chapter's baseline: this discriminator wins within an epoch and the generator collapses.
            networks.build_generator, networks.build_discriminator, 64, "normal", 64, _adam(2e-3, 0.9),
        ),
        GanPreset(
            "dcgan-tutorial", "the TensorFlow DCGAN tutorial: the benchmark's baseline, Adam(1e-4), batch 256",
            networks.build_tutorial_generator, networks.build_compact_discriminator, 100, "normal", 256, _adam(1e-4),
        ),
    ]
}


# Modules that define presets of other GAN kinds, each in a PRESETS dict of its own.
DEFAULT_PRESET_MODULE = "mnistgan_lib.gans.selfcond"  # the default `dcgan`, listed first
OTHER_PRESET_MODULES = ("mnistgan_lib.gans.acgan", "mnistgan_lib.gans.wgan")


def all_presets() -> dict[str, GanPreset]:
    """Every named model the training and sampling commands know: the default, these DCGANs, then AC-GAN and WGAN presets."""
    merged = {**importlib.import_module(DEFAULT_PRESET_MODULE).PRESETS, **PRESETS}
    for module in OTHER_PRESET_MODULES:
        merged.update(importlib.import_module(module).PRESETS)
    return merged


def get_preset(name: str) -> GanPreset:
    """The preset called `name`, or a ValueError listing the ones there are."""
    presets = all_presets()
    if name not in presets:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(presets)}")
    return presets[name]


def sample_noise(shape, kind: str, seed) -> tf.Tensor:
    """Latent vectors: standard normal, or uniform on [-1, 1]."""
    if kind == "uniform":
        return keras.random.uniform(shape, -1.0, 1.0, seed=seed)
    if kind == "normal":
        return keras.random.normal(shape, seed=seed)
    raise ValueError(f"noise must be one of {', '.join(NOISE_KINDS)}, got {kind!r}")


class GAN(keras.Model):
    """A generator and a discriminator trained against each other with `fit()`."""

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
            raise ValueError(f"noise must be one of {', '.join(NOISE_KINDS)}, got {noise!r}")
        if generator_loss not in losses.GENERATOR_LOSSES:
            raise ValueError(f"generator_loss must be one of {', '.join(losses.GENERATOR_LOSSES)}, got {generator_loss!r}")
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must lie in (0, 1) or be None, got {ema_decay}")
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.noise, self.generator_loss_kind = latent_dim, noise, generator_loss
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.ema_decay = ema_decay
        if not isinstance(stabilization, Stabilization):
            raise TypeError(f"stabilization must be a Stabilization, got {type(stabilization).__name__}")
        self.stabilization = stabilization
        self.ema_generator = keras.models.clone_model(generator) if ema_decay else None
        if self.ema_generator is not None:
            self.ema_generator.set_weights(generator.get_weights())
        self.trackers = {
            name: keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", "d_acc_real", "d_acc_fake")
        }

    @property
    def metrics(self) -> list:
        return list(self.trackers.values())

    @property
    def sampler(self) -> keras.Model:
        """The generator to draw samples from: the weight average when there is one."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def compile(self, d_optimizer: keras.optimizers.Optimizer, g_optimizer: keras.optimizers.Optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def build_optimizers(self) -> None:
        """Create the optimizers' slots now (a restored checkpoint needs them to exist)."""
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def noise_batch(self, count) -> tf.Tensor:
        """A batch of latent vectors from this GAN's noise distribution and seed stream."""
        return sample_noise((count, self.latent_dim), self.noise, self.seed_generator)

    def training_labels(self, images: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
        """What to pair each training image with: nothing (an unconditional GAN reads images only)."""
        return None

    def real_and_fake_targets(self, real_logits, fake_logits):
        """Discriminator targets: 1 for real and 0 for fake, unless label smoothing or flipping is on."""
        return self.stabilization.targets(real_logits, fake_logits, self.seed_generator)

    def discriminator_view(self, images) -> tf.Tensor:
        """What the discriminator is shown: `images`, plus the annealed instance noise when that is on."""
        return self.stabilization.perturb(images, self.d_optimizer.iterations, self.seed_generator)

    def train_step(self, batch):
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        count = tf.shape(real)[0]
        fake = self.generator(self.noise_batch(count), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(self.discriminator_view(real), training=True)
            fake_logits = self.discriminator(self.discriminator_view(fake), training=True)
            real_target, fake_target = self.real_and_fake_targets(real_logits, fake_logits)
            d_loss = losses.discriminator_loss(real_logits, fake_logits, real_target, fake_target)
        gradients = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply(gradients, self.discriminator.trainable_variables)

        with tf.GradientTape() as tape:
            fooled = self.discriminator_view(self.generator(self.noise_batch(count), training=True))
            fooled_logits = self.discriminator(fooled, training=True)
            g_loss = losses.generator_loss(fooled_logits, self.generator_loss_kind)
        gradients = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply(gradients, self.generator.trainable_variables)
        self.update_ema()

        d_acc_real, d_acc_fake = losses.real_and_fake_accuracy(real_logits, fake_logits)
        values = {"d_loss": d_loss, "g_loss": g_loss, "d_acc_real": d_acc_real, "d_acc_fake": d_acc_fake}
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def update_ema(self) -> None:
        """Move the averaged generator's weights a step towards the trained generator's."""
        if self.ema_generator is None:
            return
        # Warm-up: early on, average over the steps there have been, not over 1 / (1 - decay) of them.
        steps = tf.cast(self.g_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + steps) / (10.0 + steps))
        for average, current in zip(self.ema_generator.weights, self.generator.weights):
            average.assign(decay * average + (1.0 - decay) * current)

    def generate(self, count: int, seed: int = 0) -> np.ndarray:
        """`count` images in [-1, 1] (N x 28 x 28 x 1) from the sampler, for noise drawn with `seed`."""
        return generate_images(self.sampler, self.latent_dim, self.noise, count, seed)

    def samples_to_measure(self, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
        """Images for the measuring kit and the labels they were asked to show (None: unconditional)."""
        return self.generate(count, seed), None


def generate_images(generator: keras.Model, latent_dim: int, noise: str, count: int, seed: int = 0,
                    batch_size: int = 1000, labels=None) -> np.ndarray:
    """`count` images from `generator` in batches, for noise of `latent_dim` numbers drawn with `seed`.

    A conditional generator also gets `labels` (one class per image).
    """
    if count < 1:
        raise ValueError(f"count must be a positive number of images, got {count}")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (count,):
            raise ValueError(f"labels must hold one class per image, shape ({count},), got shape {labels.shape}")
    stream = keras.random.SeedGenerator(seed)
    parts = []
    for start in range(0, count, batch_size):
        z = sample_noise((min(batch_size, count - start), latent_dim), noise, stream)
        inputs = z if labels is None else [z, tf.constant(labels[start : start + batch_size], tf.int32)]
        parts.append(generator(inputs, training=False))
    return np.concatenate([np.asarray(part) for part in parts])


def build_gan(preset: GanPreset | str, seed: int = 0, generator_loss: str = "nonsaturating",
              stabilization: Stabilization = NONE) -> GAN:
    """A compiled GAN (of the preset's class) for a preset, seeded so that its initial weights repeat."""
    from mnistgan_lib.core.backend import seed_everything

    preset = get_preset(preset) if isinstance(preset, str) else preset
    seed_everything(seed)
    gan = (preset.gan_class or GAN)(
        preset.build_generator(preset.latent_dim), preset.build_discriminator(),
        latent_dim=preset.latent_dim, noise=preset.noise, generator_loss=generator_loss,
        ema_decay=preset.ema_decay, seed=seed, stabilization=stabilization, **preset.gan_options,
    )
    gan.compile(d_optimizer=preset.make_optimizer(), g_optimizer=preset.make_optimizer())
    return gan

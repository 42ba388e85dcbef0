"""The auxiliary-classifier GAN (Odena, Olah and Shlens, 2017).

Ask for a digit, and get it.
The generator takes noise and a class label (through a learned embedding).
The discriminator has two heads on one trunk: a *source* logit (real or fake)
and ten *class* logits. With L_S the log-likelihood of the right source and
L_C the log-likelihood of the right class, on real and on generated images,

    the discriminator maximises  L_S + L_C
    the generator maximises      L_C - L_S   (here: the non-saturating form of -L_S)

so both networks agree on one thing, that every image should be recognisably
its class, and disagree on the other, whether it is real.
"""

from __future__ import annotations

import numpy as np

from mnistgan_lib.core import data
from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.core.errors import InputError
from mnistgan_lib.foundations import losses
from mnistgan_lib.gans import networks
from mnistgan_lib.gans.gan import GAN
from mnistgan_lib.measuring import metrics

layers = keras.layers
NUM_CLASSES = data.NUM_CLASSES
LABEL_EMBEDDING = (
    32  # numbers per class; plenty for 10 classes, small next to the 64-d noise
)


def build_conditional_generator(
    latent_dim: int = networks.DEFAULT_LATENT_DIM,
) -> keras.Model:
    """[noise, label] -> digit: the default DCGAN generator, conditioned on the label.

    The generator is fed the noise concatenated with a learned label embedding.
    """
    if latent_dim < 1:
        raise InputError(f"latent_dim must be a positive integer, got {latent_dim}")
    noise = keras.Input((latent_dim,), name="noise")
    label = keras.Input((), dtype="int32", name="label")
    embedded = layers.Embedding(NUM_CLASSES, LABEL_EMBEDDING, name="label_embedding")(
        label
    )
    image = networks.generator_trunk(layers.Concatenate()([noise, embedded]))
    return keras.Model([noise, label], image, name="generator")


def build_two_head_discriminator(classes: int = NUM_CLASSES) -> keras.Model:
    """digit -> (source logit, `classes` class logits).

    The default DCGAN trunk with two heads.

    No dropout (Odena et al. used it): a Dropout layer's random stream is not part of a
    checkpoint, so a resumed run would no longer end exactly as an uninterrupted one.
    """
    image = keras.Input((28, 28, 1), name="image")
    x = image
    for filters in (64, 128):
        x = layers.LeakyReLU(0.2)(
            layers.Conv2D(filters, 4, strides=2, padding="same")(x)
        )
    features = layers.Flatten()(x)
    source = layers.Dense(1, name="source")(features)
    class_logits = layers.Dense(classes, name="class")(features)
    return keras.Model(image, [source, class_logits], name="discriminator")


def class_loss(labels, class_logits) -> tf.Tensor:
    """Mean cross-entropy of the class head against `labels`: -L_C on one batch."""
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            tf.cast(labels, tf.int32), class_logits
        )
    )


def class_accuracy(labels, class_logits) -> tf.Tensor:
    """Share of a batch whose class head's top class is the label."""
    return tf.reduce_mean(
        tf.cast(
            tf.argmax(class_logits, axis=-1, output_type=tf.int32)
            == tf.cast(labels, tf.int32),
            tf.float32,
        )
    )


class LabelledGAN(GAN):
    """A GAN whose generator is told which digit to draw: fakes come with classes.

    The AC-GAN and the keras-io conditional GAN (`gans.peers`) share it.
    """

    conditional = True

    def random_labels(self, count) -> tf.Tensor:
        """Uniform digit classes for a fake batch, from this GAN's seed stream."""
        return keras.random.randint(
            (count,), 0, NUM_CLASSES, dtype="int32", seed=self.seed_generator
        )

    def fake_batch(self, count) -> tuple[tf.Tensor, tf.Tensor]:
        """Generated digits of uniformly drawn classes, and those classes."""
        labels = self.random_labels(count)
        return self.generator([self.noise_batch(count), labels], training=True), labels

    def training_labels(self, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """The classes paired with the training images: their digit labels."""
        return labels


class ACGAN(LabelledGAN):
    """A GAN whose generator is told the class and whose discriminator also names it.

    The discriminator has two heads, both logged.
    """

    TRACKED = (
        "d_loss",
        "g_loss",
        "d_acc_real",
        "d_acc_fake",
        "d_source_loss",
        "d_class_loss",
        "g_source_loss",
        "g_class_loss",
        "d_class_acc_real",
        "d_class_acc_fake",
    )

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent_dim: int,
        class_weight: float = 1.0,
        fake_class_weight: float = 1.0,
        **kwargs,
    ):
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        for name, value in (
            ("class_weight", class_weight),
            ("fake_class_weight", fake_class_weight),
        ):
            if not (isinstance(value, (int, float)) and value >= 0):
                raise InputError(
                    f"{name} must be a number >= 0 "
                    "(1 is Odena et al.'s plain sum of the terms), "
                    f"got {value!r}"
                )
        self.class_weight, self.fake_class_weight = (
            float(class_weight),
            float(fake_class_weight),
        )

    def discriminator_step(self, real, labels=None) -> dict:
        """One update of both discriminator heads on a real batch and a fresh fake one.

        Returns what it logs.
        """
        fake, fake_labels = self.fake_batch(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            real_logits, real_classes = self.discriminator(
                self.discriminator_view(real), training=True
            )
            fake_logits, fake_classes = self.discriminator(
                self.discriminator_view(fake), training=True
            )
            real_target, fake_target = self.real_and_fake_targets(
                real_logits, fake_logits
            )
            d_source = losses.discriminator_loss(
                real_logits, fake_logits, real_target, fake_target
            )  # -L_S
            # -L_C; fake_class_weight=0 teaches the class head on real digits only
            # (see the presets).
            d_class = class_loss(
                labels, real_classes
            ) + self.fake_class_weight * class_loss(fake_labels, fake_classes)
            d_loss = d_source + self.class_weight * d_class
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)
        d_acc_real, d_acc_fake = losses.real_and_fake_accuracy(real_logits, fake_logits)
        return {
            "d_loss": d_loss,
            "d_source_loss": d_source,
            "d_class_loss": d_class,
            "d_acc_real": d_acc_real,
            "d_acc_fake": d_acc_fake,
            "d_class_acc_real": class_accuracy(labels, real_classes),
            "d_class_acc_fake": class_accuracy(fake_labels, fake_classes),
        }

    def generator_step(self, count) -> dict:
        """One generator update on a fresh batch of requested classes.

        Returns what it logs.
        """
        with tf.GradientTape() as tape:
            fooled, wanted = self.fake_batch(count)
            fooled_logits, fooled_classes = self.discriminator(
                self.discriminator_view(fooled), training=True
            )
            # The non-saturating stand-in for G minimising its term of L_S,
            # as in every chapter.
            g_source = losses.generator_loss(fooled_logits, self.generator_loss_kind)
            g_class = class_loss(wanted, fooled_classes)  # -L_C on the generated half
            g_loss = g_source + self.class_weight * g_class
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)
        self.update_ema()
        return {"g_loss": g_loss, "g_source_loss": g_source, "g_class_loss": g_class}


def per_class_quality(
    probabilities: np.ndarray,
    features: np.ndarray,
    requested: np.ndarray,
    reference_features: np.ndarray,
    reference_labels: np.ndarray,
) -> list[dict]:
    """Per requested class: the judge's agreement, FD-MNIST and the class's share.

    FD-MNIST is measured against real digits of that class; the share is the
    class's share of all samples.

    `probabilities` and `features` are the judge's outputs for the samples; the
    reference features (usually MNIST's test digits) are split by `reference_labels`.
    """
    predicted = np.asarray(probabilities).argmax(axis=1)
    requested = metrics.check_labels(requested, len(predicted))
    rows = []
    for digit in range(NUM_CLASSES):
        mine, theirs = requested == digit, np.asarray(reference_labels) == digit
        if mine.sum() < 2 or theirs.sum() < 2:
            raise InputError(
                f"class {digit} needs at least 2 samples and 2 reference digits "
                "for a covariance, "
                f"got {mine.sum()} and {theirs.sum()}; "
                "ask for every class (balanced labels)"
            )
        rows.append(
            {
                "digit": digit,
                "agreement": float(np.mean(predicted[mine] == digit)),
                "fd_mnist": metrics.frechet_distance(
                    *metrics.gaussian_statistics(features[mine]),
                    *metrics.gaussian_statistics(reference_features[theirs]),
                ),
                "judged_share": float(np.mean(predicted == digit)),
            }
        )
    return rows

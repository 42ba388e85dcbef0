"""The tutorials a reader would use instead, rebuilt for the time-to-quality benchmark.

Each peer is a keras-io example's recipe (its networks, noise, batch size and
optimizers) trained by the course's own engine, so that the benchmark compares
recipes on the same data, clock and judge:

    cgan-keras-io     "Conditional GAN" (Sayak Paul, 2021): the digit's one-hot code
                      joins the noise in G and is stacked onto the image as ten
                      constant channels in D; Adam(3e-4), batch 64, 128-d noise;
                      images in [0, 1] (G ends in a sigmoid)
    wgan-gp-keras-io  "WGAN-GP overriding Model.train_step" (A_K_Nain, 2020): an
                      upsampling generator with batch norm, a 4-convolution critic
                      with dropout on zero-padded 32x32 images; three critic steps
                      per generator step, gradient penalty 10, Adam(2e-4, 0.5, 0.9),
                      batch 512, 128-d noise

Where the engine differs from the example, the difference is the engine's: every
run reads MNIST's 60,000 training digits (the cGAN example also read the 10,000
test digits); each critic step of the WGAN-GP sees its own real batch (the example
reuses one batch for its three steps) and its penalty points are drawn uniformly
between real and fake images, as in Gulrajani et al. (the example draws the mixing
weight from a standard normal).
"""

from __future__ import annotations

from mnistgan_lib.core import data
from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.core.errors import InputError
from mnistgan_lib.gans.acgan import LabelledGAN
from mnistgan_lib.gans.stabilization import NONE, Stabilization

layers = keras.layers
NUM_CLASSES = data.NUM_CLASSES
KERAS_IO_LATENT_DIM = 128  # both examples' noise size

# --- keras-io's conditional GAN -----------------------------------------------------


def with_label_maps(images, labels) -> tf.Tensor:
    """What the keras-io cGAN's discriminator is shown: the image in [0, 1] and ten
    constant channels, the digit's one-hot code at every pixel."""
    images = tf.convert_to_tensor(images, tf.float32)
    codes = tf.one_hot(tf.cast(labels, tf.int32), NUM_CLASSES)
    maps = tf.ones_like(images) * codes[:, None, None, :]
    return tf.concat([(images + 1.0) / 2.0, maps], axis=-1)


def build_cgan_generator(latent_dim: int = KERAS_IO_LATENT_DIM) -> keras.Model:
    """[noise, label] -> digit: keras-io's cGAN generator (Dense 7x7x138, two
    transposes of 128, a 7x7 convolution with a sigmoid), rescaled to [-1, 1]."""
    noise = keras.Input((latent_dim,), name="noise")
    label = keras.Input((), dtype="int32", name="label")
    code = layers.Concatenate()(
        [noise, layers.CategoryEncoding(NUM_CLASSES, output_mode="one_hot")(label)]
    )
    channels = latent_dim + NUM_CLASSES
    x = layers.LeakyReLU(0.2)(layers.Dense(7 * 7 * channels)(code))
    x = layers.Reshape((7, 7, channels))(x)
    for _ in range(2):
        x = layers.Conv2DTranspose(128, 4, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(1, 7, padding="same", activation="sigmoid")(x)
    # The engine's pixels are in [-1, 1]; with_label_maps undoes this for D.
    image = layers.Rescaling(2.0, offset=-1.0, name="image")(x)
    return keras.Model([noise, label], image, name="generator")


def build_cgan_discriminator() -> keras.Model:
    """keras-io's cGAN discriminator: image and label maps (28x28x11) -> two strided
    3x3 convolutions (64, 128), global max pooling, one logit."""
    stacked = keras.Input((28, 28, 1 + NUM_CLASSES), name="image_and_label_maps")
    x = stacked
    for filters in (64, 128):
        x = layers.Conv2D(filters, 3, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    logit = layers.Dense(1)(layers.GlobalMaxPooling2D()(x))
    return keras.Model(stacked, logit, name="discriminator")


class ConditionalGAN(LabelledGAN):
    """A conditional GAN (Mirza and Osindero 2014) as keras-io builds it: D reads the
    digit's label as extra image channels and judges the pair; the loss is the plain
    GAN's. Only the images D is shown change, so the engine's two steps do the rest."""

    def __init__(self, *args, stabilization: Stabilization = NONE, **kwargs):
        if stabilization != NONE:
            raise InputError(
                "the keras-io conditional GAN is a benchmark peer and runs its own "
                "recipe only; leave out the stabilization options"
            )
        super().__init__(*args, **kwargs)

    def fake_batch(self, count) -> tuple[tf.Tensor, tf.Tensor]:
        """Generated digits of uniformly drawn classes, with their label maps."""
        fake, labels = super().fake_batch(count)
        return with_label_maps(fake, labels), labels

    def discriminator_step(self, real, labels=None) -> dict:
        """The plain GAN's discriminator step on real digits with their label maps."""
        return super().discriminator_step(with_label_maps(real, labels))


# --- keras-io's WGAN-GP ---------------------------------------------------------------


def build_wgan_gp_generator(latent_dim: int = KERAS_IO_LATENT_DIM) -> keras.Model:
    """keras-io's WGAN-GP generator: Dense 4x4x256 and three upsampling blocks
    (128, 64, 1 channels, each a 3x3 convolution and batch norm) to 32x32, cropped."""
    noise = keras.Input((latent_dim,), name="noise")
    x = layers.Dense(4 * 4 * 256, use_bias=False)(noise)
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x))
    x = layers.Reshape((4, 4, 256))(x)
    for filters in (128, 64, 1):
        x = layers.UpSampling2D()(x)
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("tanh")(x) if filters == 1 else layers.LeakyReLU(0.2)(x)
    image = layers.Cropping2D(2, name="image")(x)
    return keras.Model(noise, image, name="generator")


def build_wgan_gp_critic() -> keras.Model:
    """keras-io's WGAN-GP critic: the image zero-padded to 32x32, four strided 5x5
    convolutions (64 to 512), dropout 0.3 after the middle two and 0.2 before the score.

    Its dropout is not part of a checkpoint, so a resumed run does not end exactly
    as an uninterrupted one would (the course's own networks have none)."""
    image = keras.Input((28, 28, 1), name="image")
    x = layers.ZeroPadding2D(2)(image)
    for filters in (64, 128, 256, 512):
        x = layers.Conv2D(filters, 5, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
        if filters in (128, 256):
            x = layers.Dropout(0.3)(x)
    score = layers.Dense(1)(layers.Dropout(0.2)(layers.Flatten()(x)))
    return keras.Model(image, score, name="critic")

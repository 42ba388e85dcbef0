"""Network builders: the DCGAN generators and discriminators the chapters train.

Builders return uncompiled `keras.Model`s with fixed names, so shipped
weights (see `pretrained`) always load into the architecture they came from.
"""

from __future__ import annotations

from mnistgan_lib.core.backend import keras
from mnistgan_lib.core.errors import InputError

layers = keras.layers
DEFAULT_LATENT_DIM = 64


def build_generator(
    latent_dim: int = DEFAULT_LATENT_DIM, width: int = 128
) -> keras.Model:
    """The plain DCGAN generator: noise -> 7x7x128 -> 14x14x64 -> 28x28x1.

    Used by `dcgan-unclustered` and the WGANs; `dcgan-small` halves
    `width`.
    """
    if latent_dim < 1:
        raise InputError(f"latent_dim must be a positive integer, got {latent_dim}")
    noise = keras.Input((latent_dim,), name="noise")
    return keras.Model(noise, generator_trunk(noise, width), name="generator")


def generator_trunk(code: keras.KerasTensor, width: int = 128) -> keras.KerasTensor:
    """The default generator's layers, from a code tensor to the image tensor.

    The code is noise, or noise with a class embedding; `width` is the number of
    7x7 feature maps (the 14x14 layer has half as many).
    """
    x = layers.Dense(7 * 7 * width, use_bias=False)(code)
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x))
    x = layers.Reshape((7, 7, width))(x)
    x = layers.Conv2DTranspose(
        width // 2, 4, strides=2, padding="same", use_bias=False
    )(x)
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x))
    return layers.Conv2DTranspose(
        1, 4, strides=2, padding="same", activation="tanh", name="image"
    )(x)


# --- DCGAN presets --------------------------------------------------------------------
# Discriminators end in a logit (no sigmoid): the losses apply the sigmoid inside the
# cross-entropy, which is the same function but cannot overflow.


def build_conv_discriminator(
    kernel: int = 4,
    slope: float = 0.2,
    batch_norm: bool = False,
    dropout: float = 0.0,
    initializer="glorot_uniform",
    filters: tuple[int, int] = (64, 128),
) -> keras.Model:
    """Two stride-2 convolutions (64, 128 filters by default), then a logit.

    Each convolution is followed by optional BatchNorm, LeakyReLU and dropout.
    """
    image = keras.Input((28, 28, 1), name="image")
    x = image
    for count in filters:
        x = layers.Conv2D(
            count, kernel, strides=2, padding="same", kernel_initializer=initializer
        )(x)
        x = layers.BatchNormalization()(x) if batch_norm else x
        x = layers.LeakyReLU(slope)(x)
        x = layers.Dropout(dropout)(x) if dropout else x
    logit = layers.Dense(1, kernel_initializer=initializer, name="logit")(
        layers.Flatten()(x)
    )
    return keras.Model(image, logit, name="discriminator")


def build_discriminator() -> keras.Model:
    """The library's default DCGAN discriminator.

    4x4 convolutions with LeakyReLU(0.2), nothing else.
    """
    return build_conv_discriminator()


def build_source_discriminator() -> keras.Model:
    """Source design (a): 5x5 convolutions.

    Each one is followed by BatchNorm, LeakyReLU(0.1) and dropout.
    """
    return build_conv_discriminator(5, 0.1, batch_norm=True, dropout=0.3)


def build_paper_discriminator() -> keras.Model:
    """Source design (b): 5x5 convolutions with BatchNorm and LeakyReLU(0.3).

    The weights start from N(0, 0.02).
    """
    return build_conv_discriminator(5, 0.3, batch_norm=True, initializer=_paper_init())


def build_compact_discriminator() -> keras.Model:
    """Source design (c), also the TensorFlow tutorial's.

    5x5 convolutions, LeakyReLU(0.2), dropout 0.3.
    """
    return build_conv_discriminator(5, 0.2, dropout=0.3)


def build_source_generator(latent_dim: int = 256) -> keras.Model:
    """Source design (a): Dense to 7x7x256, then four Conv2DTranspose.

    The transposes use BatchNorm, dropout and LeakyReLU(0.1).
    """
    noise = keras.Input((latent_dim,), name="noise")
    x = layers.Reshape((7, 7, 256))(layers.Dense(7 * 7 * 256)(noise))
    for filters, stride in ((128, 1), (64, 2), (32, 2)):
        x = layers.Conv2DTranspose(filters, 5, strides=stride, padding="same")(x)
        x = layers.Dropout(0.3)(layers.LeakyReLU(0.1)(layers.BatchNormalization()(x)))
    image = layers.Conv2DTranspose(
        1, 5, padding="same", activation="tanh", name="image"
    )(x)
    return keras.Model(noise, image, name="generator")


def _paper_init() -> keras.initializers.Initializer:
    return keras.initializers.RandomNormal(
        0.0, 0.02
    )  # the DCGAN paper's N(0, 0.02) weights


def build_paper_generator(latent_dim: int = 100) -> keras.Model:
    """Source design (b), the DCGAN paper's guidelines.

    BatchNorm and ReLU, 5x5 stride-2 transposes, tanh.
    """
    noise = keras.Input((latent_dim,), name="noise")
    x = layers.Dense(7 * 7 * 256, use_bias=False, kernel_initializer=_paper_init())(
        noise
    )
    x = layers.Reshape((7, 7, 256))(layers.ReLU()(layers.BatchNormalization()(x)))
    for filters in (128, 64):
        x = layers.Conv2DTranspose(
            filters,
            5,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=_paper_init(),
        )(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
    image = layers.Conv2D(
        1,
        5,
        padding="same",
        activation="tanh",
        kernel_initializer=_paper_init(),
        name="image",
    )(x)
    return keras.Model(noise, image, name="generator")


def build_compact_generator(latent_dim: int = 100) -> keras.Model:
    """Source design (c): a Dense layer and two transposed convolutions.

    Dense to 7x7x128, BatchNorm, Conv2DTranspose 64 (selu) and 1 (tanh).
    """
    noise = keras.Input((latent_dim,), name="noise")
    x = layers.Reshape((7, 7, 128))(layers.Dense(7 * 7 * 128)(noise))
    x = layers.BatchNormalization()(x)
    x = layers.Conv2DTranspose(64, 5, strides=2, padding="same", activation="selu")(x)
    x = layers.BatchNormalization()(x)
    image = layers.Conv2DTranspose(
        1, 5, strides=2, padding="same", activation="tanh", name="image"
    )(x)
    return keras.Model(noise, image, name="generator")


def build_tutorial_generator(latent_dim: int = 100) -> keras.Model:
    """The TensorFlow DCGAN tutorial's generator.

    Dense 7x7x256 (no bias), transposes 128 (stride 1), 64, 1.
    """
    noise = keras.Input((latent_dim,), name="noise")
    x = layers.LeakyReLU()(
        layers.BatchNormalization()(layers.Dense(7 * 7 * 256, use_bias=False)(noise))
    )
    x = layers.Reshape((7, 7, 256))(x)
    for filters, stride in ((128, 1), (64, 2)):
        x = layers.Conv2DTranspose(
            filters, 5, strides=stride, padding="same", use_bias=False
        )(x)
        x = layers.LeakyReLU()(layers.BatchNormalization()(x))
    image = layers.Conv2DTranspose(
        1, 5, strides=2, padding="same", use_bias=False, activation="tanh", name="image"
    )(x)
    return keras.Model(noise, image, name="generator")

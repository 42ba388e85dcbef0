"""Network builders: the MNIST judge and the generators the chapters train.

Builders return uncompiled `keras.Model`s with fixed names, so shipped
weights (see `pretrained`) always load into the architecture they came from.
"""

from __future__ import annotations

from mnistgan_lib.backend import keras

layers = keras.layers
JUDGE_FEATURES = "features"
DEFAULT_LATENT_DIM = 64


def build_judge() -> keras.Model:
    """A small CNN classifier of MNIST digits in [-1, 1]; its 128-unit `features` layer feeds FD-MNIST."""
    inputs = keras.Input((28, 28, 1), name="image")
    x = inputs
    for filters in (32, 64):
        x = layers.Conv2D(filters, 3, activation="relu")(x)
        x = layers.Conv2D(filters, 3, activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.25)(layers.Flatten()(x))
    features = layers.Dense(128, activation="relu", name=JUDGE_FEATURES)(x)
    outputs = layers.Dense(10, activation="softmax", name="class")(layers.Dropout(0.4)(features))
    return keras.Model(inputs, outputs, name="judge")


def build_generator(latent_dim: int = DEFAULT_LATENT_DIM) -> keras.Model:
    """The library's default DCGAN generator: noise -> 7x7x128 -> 14x14x64 -> 28x28x1 in [-1, 1]."""
    if latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim}")
    noise = keras.Input((latent_dim,), name="noise")
    x = layers.Dense(7 * 7 * 128, use_bias=False)(noise)
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x))
    x = layers.Reshape((7, 7, 128))(x)
    x = layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x))
    image = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh", name="image")(x)
    return keras.Model(noise, image, name="generator")

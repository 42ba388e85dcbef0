"""The MNIST judge: a classifier trained by this library, whose eyes every metric uses."""

from __future__ import annotations

import datetime
from functools import lru_cache

import numpy as np

from mnistgan_lib.core import data, pixels, pretrained
from mnistgan_lib.core.backend import keras, seed_everything, tf
from mnistgan_lib.core.errors import InputError

JUDGE_NAME = "judge"
JUDGE_FEATURES = "features"  # the layer whose activations FD-MNIST compares
layers = keras.layers


def build_judge() -> keras.Model:
    """A small CNN classifier of digits in [-1, 1]; its 128-unit `features` layer feeds FD-MNIST."""
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


def train_judge(
    epochs: int = 4, seed: int = 0, batch_size: int = 128, verbose: int = 1
) -> tuple[keras.Model, float]:
    """Train the judge on MNIST's training split only; return it and its test accuracy."""
    seed_everything(seed)
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    judge = build_judge()
    # Small shifts make the judge read digits by shape, not by exact position.
    augment = keras.Sequential(
        [keras.layers.RandomTranslation(0.08, 0.08, fill_value=-1.0, seed=seed)]
    )
    train = (
        tf.data.Dataset.from_tensor_slices((pixels.to_gan_range(x_train), y_train.astype("int32")))
        .shuffle(len(x_train), seed=seed)
        .batch(batch_size)
        .map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=epochs * len(train))
    judge.compile(
        keras.optimizers.Adam(schedule), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    judge.fit(train, epochs=epochs, verbose=verbose)
    _, accuracy = judge.evaluate(pixels.to_gan_range(x_test), y_test, batch_size=1000, verbose=0)
    return judge, float(accuracy)


def save_judge(judge: keras.Model, accuracy: float, epochs: int, seed: int, directory=None):
    """Ship the judge's weights with a card that says how they were made."""
    card = {
        "name": JUDGE_NAME,
        "what": "MNIST classifier used by mnistgan_lib.measuring.metrics "
        "(FD-MNIST features, classifier score, coverage)",
        "command": f"python -m mnistgan_lib train-judge --epochs {epochs} --seed {seed}",
        "trained_on": "MNIST training split (60,000 images), scaled to [-1, 1]",
        "test_accuracy": round(accuracy, 4),
        "epochs": epochs,
        "seed": seed,
        "parameters": judge.count_params(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "date": datetime.date.today().isoformat(),
    }
    return pretrained.save_with_card(judge, JUDGE_NAME, card, directory)


@lru_cache(maxsize=1)
def load_judge() -> keras.Model:
    """The shipped judge, checked against its card, with a second output: its `features` layer."""
    judge = pretrained.load_into(build_judge(), JUDGE_NAME)
    return keras.Model(
        judge.input, [judge.output, judge.get_layer(JUDGE_FEATURES).output], name="judge"
    )


def judge_outputs(images: np.ndarray, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities (N, 10) and penultimate features (N, 128) for images in [-1, 1]."""
    if batch_size < 1:
        raise InputError(f"batch_size must be a positive number of images, got {batch_size}")
    images = pixels.check_gan_range(images, "images", "check the model that made them")
    probabilities, features = load_judge().predict(images, batch_size=batch_size, verbose=0)
    return probabilities.astype(np.float64), features.astype(np.float64)

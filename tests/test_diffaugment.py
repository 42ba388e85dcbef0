"""Differentiable augmentation: what each transform does to a digit, and that gradients pass."""

from __future__ import annotations

import numpy as np

from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.gans import diffaugment


def dots(count: int = 64) -> tf.Tensor:
    """Black images in [-1, 1] with one white pixel in the middle."""
    images = -np.ones((count, 28, 28, 1), np.float32)
    images[:, 14, 14, 0] = 1.0
    return tf.constant(images)


def test_translation_moves_each_image_by_at_most_four_pixels_and_keeps_its_content():
    moved = np.asarray(diffaugment.translate(dots(), keras.random.SeedGenerator(0)))
    rows, cols = np.nonzero(moved[..., 0] == 1.0)[1:]
    assert len(rows) == 64  # the dot is never lost: a shift of 4 keeps the middle inside
    shifts = set(zip(rows - 14, cols - 14))
    assert max(max(abs(dy), abs(dx)) for dy, dx in shifts) == 4  # 28 / 8, rounded
    assert len(shifts) > 10  # each image draws its own shift
    assert np.all((moved == 1.0) | (moved == -1.0))  # the border is background


def test_cutout_blanks_one_square_of_at_most_half_the_side():
    images = tf.ones((64, 28, 28, 1))
    cut = np.asarray(diffaugment.cutout(images, keras.random.SeedGenerator(0)))[..., 0]
    for blank in cut == diffaugment.BACKGROUND:
        rows, cols = np.nonzero(blank)
        if len(rows):
            height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
            assert height <= 14 and width <= 14 and blank.sum() == height * width
    areas = (cut == diffaugment.BACKGROUND).sum(axis=(1, 2))
    assert areas.max() == 14 * 14 and len(set(areas)) > 5


def test_gradients_pass_through_the_augmentation_to_the_pixels_it_keeps():
    images = tf.Variable(tf.random.uniform((16, 28, 28, 1), -1, 1, seed=1))
    seed = keras.random.SeedGenerator(3)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(diffaugment.diff_augment(images, seed))
    gradient = np.asarray(tape.gradient(total, images))
    assert gradient.max() == 1.0 and gradient.min() == 0.0  # kept pixels 1, cut ones 0
    assert gradient.mean() > 0.5


def test_the_same_seed_gives_the_same_augmentation():
    first = diffaugment.diff_augment(dots(), keras.random.SeedGenerator(7))
    second = diffaugment.diff_augment(dots(), keras.random.SeedGenerator(7))
    assert np.array_equal(np.asarray(first), np.asarray(second))

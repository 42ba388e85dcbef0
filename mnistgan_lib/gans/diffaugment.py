"""Differentiable augmentation: the same random transforms on real and fake images.

The stabilization chapter's answer to small training sets (Zhao et al. 2020; Karras et
al. 2020). A discriminator that sees the same few hundred digits over and over learns
them by heart; shifting and cutting every image it sees, real or generated, makes that
much harder. The transforms are made of differentiable tensor operations, so the
generator's gradient passes through them: the generator is judged on augmented
images too, and never learns to draw the augmentations themselves, which is what
happens when only the real images are augmented.

The policy is DiffAugment's "translation,cutout" for 28 x 28 images:

    translation   each image shifted by up to 1/8 of its size (3.5, so 4 pixels) in each
                  direction, the uncovered border filled with background
    cutout        a square of half the image's side (14 pixels) at a random place
                  set to background

Background is -1, the black of images in [-1, 1] (DiffAugment fills with 0, the grey
middle of that range; on MNIST's black background -1 hides nothing a digit lacks).
"""

from __future__ import annotations

from mnistgan_lib.core.backend import keras, tf

BACKGROUND = -1.0  # black in the GAN's [-1, 1] range
SHIFT_RATIO = 0.125  # translation: at most this share of the side, each way
CUTOUT_RATIO = 0.5  # cutout: a square with this share of the side


def translate(images: tf.Tensor, seed, ratio: float = SHIFT_RATIO) -> tf.Tensor:
    """Each image shifted by its own random whole number of pixels, up to `ratio` of
    its side in each direction (the stabilization chapter)."""
    height, width = images.shape[1], images.shape[2]
    shift = int(height * ratio + 0.5)
    count = tf.shape(images)[0]
    padded = tf.pad(
        images,
        [[0, 0], [shift, shift], [shift, shift], [0, 0]],
        constant_values=BACKGROUND,
    )
    # Each image reads its own window of the padded canvas: rows and columns start at
    # a random offset in 0..2*shift (shift means "not moved").
    row_start = keras.random.randint((count, 1), 0, 2 * shift + 1, seed=seed)
    col_start = keras.random.randint((count, 1), 0, 2 * shift + 1, seed=seed)
    rows = row_start + tf.range(height)[tf.newaxis, :]
    cols = col_start + tf.range(width)[tf.newaxis, :]
    windows = tf.gather(padded, rows, axis=1, batch_dims=1)
    return tf.gather(windows, cols, axis=2, batch_dims=1)


def cutout(images: tf.Tensor, seed, ratio: float = CUTOUT_RATIO) -> tf.Tensor:
    """Each image with a square of `ratio` of its side, at a random place, set to
    background (the stabilization chapter)."""
    height, width = images.shape[1], images.shape[2]
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    count = tf.shape(images)[0]
    # The square's top-left corner may lie above or left of the image, as in
    # DiffAugment: a square partly outside covers less.
    top = keras.random.randint((count, 1, 1), 1 - size_y, height, seed=seed)
    left = keras.random.randint((count, 1, 1), 1 - size_x, width, seed=seed)
    row = tf.range(height)[tf.newaxis, :, tf.newaxis]
    col = tf.range(width)[tf.newaxis, tf.newaxis, :]
    inside = (row >= top) & (row < top + size_y) & (col >= left) & (col < left + size_x)
    return tf.where(inside[..., tf.newaxis], BACKGROUND, images)


def diff_augment(images: tf.Tensor, seed) -> tf.Tensor:
    """DiffAugment's translation, then cutout, with fresh random draws per image (the
    stabilization chapter)."""
    return cutout(translate(images, seed), seed)

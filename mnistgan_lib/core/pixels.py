"""Pixels: the value ranges digits come in, their checks, the digit-grid picture, distances between images."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from mnistgan_lib.core import data


def grid_image(images: np.ndarray, columns: int = 10) -> Image.Image:
    """Images in [-1, 1] (N x 28 x 28 x 1) tiled into one greyscale picture, white digits on black."""
    if columns < 1:
        raise ValueError(f"columns must be a positive number of images per row, got {columns}")
    images = data.check_image_stack(np.asarray(images), "images", "the generator has diverged")[..., None]
    pixels = (data.from_gan_range(images)[..., 0] * 255).round().astype(np.uint8)
    rows = math.ceil(len(pixels) / columns)
    canvas = np.zeros((rows * 28, columns * 28), np.uint8)
    for index, picture in enumerate(pixels):
        row, column = divmod(index, columns)
        canvas[row * 28 : (row + 1) * 28, column * 28 : (column + 1) * 28] = picture
    return Image.fromarray(canvas).resize((columns * 56, rows * 56), Image.NEAREST)

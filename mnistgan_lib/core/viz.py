"""Figures the chapters share: grids of digits, with or without captions."""

from __future__ import annotations

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from mnistgan_lib.core import pixels
from mnistgan_lib.core.errors import InputError

CAPTION_BAND = 8  # black pixel rows above each row of digits, where its captions go


def show_digits(
    images: np.ndarray,
    captions: list | np.ndarray | None = None,
    ncols: int = 10,
    title: str | None = None,
    scale: float = 1.0,
) -> Figure:
    """Draw digits (uint8 0..255, or floats in [-1, 1]) white on black in a grid, with captions."""
    if ncols < 1 or not scale > 0:
        raise InputError(f"ncols must be >= 1 and scale > 0, got ncols={ncols}, scale={scale}")
    count = len(pixels.check_stack(images))  # its messages say what is wrong with the stack
    if captions is not None and len(captions) != count:
        raise InputError(f"{len(captions)} captions for {count} images; give one per image")
    band = CAPTION_BAND if captions is not None else 0
    side, height = 28, 28 + band  # one digit's cell, in pixels of the tiled picture
    canvas = pixels.tile(images, ncols, band)
    rows = len(canvas) // height
    # gray, not gray_r: 255 is white, so digits look as MNIST stores them and grid_image saves them
    figure, axis = plt.subplots(figsize=(scale * ncols, scale * rows * height / side))
    axis.imshow(canvas, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    axis.axis("off")
    for index, caption in enumerate(captions if captions is not None else []):
        row, column = divmod(index, ncols)  # pixel centres are whole numbers, so edges are at -0.5
        axis.text(
            (column + 0.5) * side - 0.5,
            row * height + band / 2 - 0.5,
            str(caption),
            color="white",
            fontsize=9,
            ha="center",
            va="center",
        )
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure

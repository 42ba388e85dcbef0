"""Figures the chapters share: grids of digits, with or without captions."""

from __future__ import annotations

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.figure import Figure


def _as_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0..255 or floats in [-1, 1] as (N, 28, 28) floats in [0, 1]."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"images have shape {images.shape}; expected (N, H, W) or (N, H, W, 1)")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    return np.clip((images.astype(np.float32) + 1.0) / 2.0, 0.0, 1.0)


def show_digits(
    images: np.ndarray,
    captions: list | np.ndarray | None = None,
    ncols: int = 10,
    title: str | None = None,
    scale: float = 1.0,
) -> Figure:
    """Draw images (uint8 0..255, or floats in [-1, 1]) in a grid, each with an optional caption."""
    pictures = _as_unit_range(images)
    if len(pictures) == 0 or np.isnan(pictures).any():
        raise ValueError(f"images must be a non-empty stack without NaN, got shape {np.shape(images)}")
    if ncols < 1 or not scale > 0:
        raise ValueError(f"ncols must be >= 1 and scale > 0, got ncols={ncols}, scale={scale}")
    if captions is not None and len(captions) != len(pictures):
        raise ValueError(f"{len(captions)} captions for {len(pictures)} images; give one per image")
    nrows = int(np.ceil(len(pictures) / ncols))
    figure, axes = plt.subplots(
        nrows, ncols, figsize=(scale * ncols, scale * nrows * (1.2 if captions is not None else 1.0)),
        squeeze=False,
    )
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index < len(pictures):
            axis.imshow(pictures[index], cmap="gray_r", vmin=0.0, vmax=1.0)
            if captions is not None:
                axis.set_title(str(captions[index]), fontsize=9)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure

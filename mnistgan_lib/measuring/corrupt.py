"""Ways to damage digits, and the classical ways to repair them.

All functions take float images in [0, 1] shaped (N, 28, 28) or (N, 28, 28, 1), checked by
`pixels.check_unit_range`, and return float32 images in [0, 1] shaped (N, 28, 28).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from mnistgan_lib.core import pixels
from mnistgan_lib.core.errors import InputError


def add_gaussian_noise(images: np.ndarray, variance: float, seed: int = 0) -> np.ndarray:
    """Add N(0, variance) noise to each pixel, then clip to [0, 1] to keep it an image."""
    if not np.isfinite(variance) or variance < 0:
        raise InputError(
            f"noise variance must be a finite number >= 0, got {variance}; it is sigma squared"
        )
    images = pixels.check_unit_range(images)
    noise = np.random.default_rng(seed).normal(0.0, np.sqrt(variance), size=images.shape)
    return np.clip(images + noise.astype(np.float32), 0.0, 1.0)


def gaussian_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Blur each image with a Gaussian kernel of standard deviation `sigma` pixels."""
    if not np.isfinite(sigma) or sigma < 0:
        raise InputError(f"blur sigma must be a finite number >= 0 (pixels), got {sigma}")
    return ndimage.gaussian_filter(pixels.check_unit_range(images), sigma=(0, sigma, sigma))


def median_filter(images: np.ndarray, size: int) -> np.ndarray:
    """Replace each pixel by the median of its `size` x `size` neighbourhood."""
    if int(size) != size or size < 1:
        raise InputError(f"median filter size must be a positive integer, got {size}")
    return ndimage.median_filter(pixels.check_unit_range(images), size=(1, int(size), int(size)))

"""Pixels: the value ranges digits come in, their checks, the digit grid, distances between images.

A digit is a 28 x 28 picture, and a stack of them is (N, 28, 28), or (N, 28, 28, 1) where Keras
wants a channel axis. Its pixels come in one of three ranges, each with its use:

    bytes   uint8 0..255          how MNIST is stored (`data.load_mnist`)
    unit    float32 in [0, 1]     corruptions, PSNR and the denoiser
    gan     float32 in [-1, 1]    what a tanh generator makes and the judge reads

In every picture the library draws, digits are white on black, as MNIST stores them.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from mnistgan_lib.core.errors import InputError, InputTypeError

IMAGE_SHAPE = (28, 28)
PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]  # numbers per flattened digit
NAN_FIX = "the generator that made them has diverged (retrain it or resume from a checkpoint)"
UNIT_FIXES = (
    "divide uint8 pixels by 255, map [-1, 1] images with (images + 1) / 2, "
    "clip noisy images with np.clip(images, 0, 1)"
)
GAN_SLACK = 1e-3  # float rounding may take a [-1, 1] image a hair outside; accept it

# --- checks ---------------------------------------------------------------------------------


def check_stack(images: np.ndarray, name: str = "images", nan_fix: str = NAN_FIX) -> np.ndarray:
    """A stack of digits as float32 (N, 28, 28): dtype, shape, emptiness and NaN checked."""
    array = np.asarray(images)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise InputTypeError(
            f"{name} have dtype {array.dtype}; give numeric pixels "
            "(uint8 0..255, or floats in [0, 1] or [-1, 1])"
        )
    array = _shaped(array, name).astype(np.float32, copy=False)  # no copy of 60,000 digits
    finite = np.isfinite(array)
    if not finite.all():
        bad = int((~finite).any(axis=(1, 2)).sum())
        raise InputError(f"{name} contain NaN or infinite pixels in {bad} image(s); {nan_fix}")
    return array


def _shaped(array: np.ndarray, name: str) -> np.ndarray:
    """`array` as (N, 28, 28) without a channel axis, or an error if it is no stack of digits."""
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3 or array.shape[1:] != IMAGE_SHAPE:
        hint = "; for a single digit pass images[None]" if array.shape == IMAGE_SHAPE else ""
        raise InputError(
            f"{name} have shape {array.shape}; expected (N, 28, 28) or (N, 28, 28, 1){hint}"
        )
    if len(array) == 0:
        raise InputError(f"{name} are empty (shape {array.shape}); give at least one image")
    return array


def _check_span(
    stack: np.ndarray, low: float, high: float, name: str, fix: str, slack: float = 0.0
) -> np.ndarray:
    """`stack` itself, or a ValueError giving its span, the range expected and `fix`."""
    least, most = float(stack.min()), float(stack.max())
    if least < low - slack or most > high + slack:
        raise InputError(
            f"{name} span [{least:.3g}, {most:.3g}]; expected pixels in [{low:g}, {high:g}]: {fix}"
        )
    return stack


def check_unit_range(
    images: np.ndarray,
    name: str = "images",
    nan_fix: str = "replace them, e.g. np.nan_to_num(images)",
) -> np.ndarray:
    """Float pixels in [0, 1] as float32 (N, 28, 28), or an error that says what is wrong."""
    dtype = np.asarray(images).dtype
    if np.issubdtype(dtype, np.integer):  # NumPy's bool is no integer
        raise InputTypeError(
            f"{name} have integer dtype {dtype}; give float pixels in [0, 1] "
            "(uint8 pixels 0..255: pass images / 255 or pixels.to_unit_range(images))"
        )
    if not np.issubdtype(dtype, np.floating):
        raise InputTypeError(
            f"{name} have dtype {dtype}; give float pixels in [0, 1], e.g. images.astype('float32')"
        )
    return _check_span(check_stack(images, name, nan_fix), 0.0, 1.0, name, UNIT_FIXES)


def check_gan_range(images: np.ndarray, name: str = "images", nan_fix: str = NAN_FIX) -> np.ndarray:
    """Pixels in [-1, 1] as float32 (N, 28, 28, 1), or an error that says what is wrong."""
    fix = "convert [0, 1] or 0..255 images with pixels.as_gan_range"
    stack = check_stack(images, name, nan_fix)
    return _check_span(stack, -1.0, 1.0, name, fix, GAN_SLACK)[..., None]


# --- conversions between the three ranges ---------------------------------------------------


def _bytes(images: np.ndarray, caller: str) -> np.ndarray:
    """uint8 pixels as (N, 28, 28), or an error naming `caller`."""
    array = np.asarray(images)
    if array.dtype != np.uint8:
        raise InputTypeError(
            f"images have dtype {array.dtype}; {caller} expects uint8 pixels 0..255 "
            "as load_mnist returns them (floats are scaled already)"
        )
    return _shaped(array, "images")


def to_gan_range(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0..255 as float32 in [-1, 1], shaped (N, 28, 28, 1)."""
    return (_bytes(images, "to_gan_range").astype(np.float32) / 127.5 - 1.0)[..., None]


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0..255 as float32 in [0, 1], shaped (N, 28, 28)."""
    return _bytes(images, "to_unit_range").astype(np.float32) / 255.0


def from_gan_range(images: np.ndarray) -> np.ndarray:
    """Numbers in [-1, 1], any shape, as float32 in [0, 1] (stray values clipped)."""
    array = np.asarray(images)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise InputTypeError(
            f"images have dtype {array.dtype}; from_gan_range expects numbers in [-1, 1]"
        )
    if np.isnan(array).any():
        raise InputError(f"images contain NaN; {NAN_FIX}")
    return np.clip((array.astype(np.float32) + 1.0) / 2.0, 0.0, 1.0)


# What every command that reads images accepts (`as_gan_range`, `as_unit_range`), in words.
ACCEPTED_RANGES = (
    "(N, 28, 28) or (N, 28, 28, 1) pixels as integers 0..255 (e.g. uint8), "
    "floats in [0, 1], floats in [-1, 1] (any negative pixel means [-1, 1]) "
    "or floats in [0, 255] (any pixel above 1)"
)


def as_gan_range(samples: np.ndarray, name: str = "samples") -> np.ndarray:
    """Samples in any of the three ranges, told apart by values, as (N, 28, 28, 1) in [-1, 1].

    Integers mean 0..255. For floats, negative values mean [-1, 1], values above 1 mean 0..255,
    and anything else is read as [0, 1]; so a [-1, 1] stack without a single negative pixel is
    misread as [0, 1]. (`ACCEPTED_RANGES` says this in words.)
    """
    stack, scale = _told_apart(samples, name)
    if scale == "gan":
        return np.clip(stack, -1.0, 1.0)[..., None]
    unit = stack / 255.0 if scale == "bytes" else stack
    return (unit * 2.0 - 1.0)[..., None]


def as_unit_range(samples: np.ndarray, name: str = "images") -> np.ndarray:
    """Images in any range `as_gan_range` accepts, as float32 (N, 28, 28) in [0, 1]."""
    stack, scale = _told_apart(samples, name)
    if scale == "gan":
        return np.clip((stack + 1.0) / 2.0, 0.0, 1.0)
    return stack / 255.0 if scale == "bytes" else np.clip(stack, 0.0, 1.0)


def _told_apart(samples: np.ndarray, name: str) -> tuple[np.ndarray, str]:
    """A checked float32 stack (N, 28, 28) and its range: 'bytes', 'unit' or 'gan'."""
    integers = np.issubdtype(np.asarray(samples).dtype, np.integer)
    stack = check_stack(samples, name, "a diverged model made them?")
    low, high = float(stack.min()), float(stack.max())
    if low < -1 - GAN_SLACK or high > 255 + GAN_SLACK or (low < 0 and high > 1 + GAN_SLACK):
        raise InputError(
            f"{name} span [{low:.3g}, {high:.3g}]; expected values in [-1, 1], [0, 1] or [0, 255]"
        )
    if integers and low < 0:
        raise InputError(
            f"{name} are integers spanning [{low:.3g}, {high:.3g}]; integer pixels must be 0..255"
        )
    if integers or high > 1 + GAN_SLACK:
        return stack, "bytes"
    return stack, "gan" if low < 0 else "unit"


def to_bytes(images: np.ndarray) -> np.ndarray:
    """uint8 pixels, or floats in [-1, 1], checked and as uint8 0..255 (N, 28, 28)."""
    array = np.asarray(images)
    if array.dtype == np.uint8:
        return _shaped(array, "images")
    return (from_gan_range(check_stack(array, "images")) * 255).round().astype(np.uint8)


# --- the digit grid -------------------------------------------------------------------------


def tile(images: np.ndarray, columns: int = 10, band: int = 0) -> np.ndarray:
    """uint8 or [-1, 1] digits tiled row by row into one uint8 picture, white on black.

    `band` black pixel rows above each row of digits leave room for captions.
    """
    if columns < 1:
        raise InputError(f"columns must be a positive number of images per row, got {columns}")
    if band < 0:
        raise InputError(f"band must be a number of pixel rows, 0 or more, got {band}")
    digits = to_bytes(images)
    height, width = IMAGE_SHAPE[0] + band, IMAGE_SHAPE[1]
    canvas = np.zeros((math.ceil(len(digits) / columns) * height, columns * width), np.uint8)
    for index, digit in enumerate(digits):
        row, column = divmod(index, columns)
        top, left = row * height + band, column * width
        canvas[top : top + IMAGE_SHAPE[0], left : left + width] = digit
    return canvas


def grid_image(images: np.ndarray, columns: int = 10) -> Image.Image:
    """uint8 or [-1, 1] digits as one greyscale picture at twice their size, white on black."""
    canvas = tile(images, columns)
    return Image.fromarray(canvas).resize((canvas.shape[1] * 2, canvas.shape[0] * 2), Image.NEAREST)


# --- distances between images ---------------------------------------------------------------


def nearest_neighbour_distances(
    images: np.ndarray, references: np.ndarray, batch_size: int = 500
) -> np.ndarray:
    """Euclidean distance, pixels in [0, 1], from each [-1, 1] image to its nearest reference."""
    images = check_stack(images, "images", "check the generator that made them")
    references = check_stack(references, "references", "check where they were loaded from")
    if batch_size < 1:
        raise InputError(f"batch_size must be a positive number of images, got {batch_size}")
    flat_refs = _flat_unit(references)
    ref_norms = (flat_refs**2).sum(axis=1)
    nearest = []
    for start in range(0, len(images), batch_size):  # blocks keep the distance matrix small
        block = _flat_unit(images[start : start + batch_size])
        # The expanded square finds the neighbour fast; the exact difference then measures it
        # without float32 cancellation, so a copied training digit shows a distance of 0.
        index = (ref_norms[None, :] - 2.0 * block @ flat_refs.T).argmin(axis=1)
        nearest.append(np.linalg.norm(block - flat_refs[index], axis=1))
    return np.concatenate(nearest)


def _flat_unit(stack: np.ndarray) -> np.ndarray:
    """A checked [-1, 1] stack as float32 rows in [0, 1], one per image."""
    return ((stack.reshape(len(stack), -1) + 1.0) / 2.0).astype(np.float32)

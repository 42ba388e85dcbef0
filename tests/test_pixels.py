"""Pixels: the three ranges and their conversions, the stack checks, the digit grid, distances."""

from __future__ import annotations

import numpy as np
import pytest

from mnistgan_lib.core import pixels


def random_bytes(count: int = 5, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 28, 28), dtype=np.uint8)


# --- conversions ----------------------------------------------------------------------------


def test_to_gan_range_maps_0_and_255_to_the_ends():
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    images[1] = 255
    images[0, 0, 0] = 128
    scaled = pixels.to_gan_range(images)
    assert scaled.shape == (2, 28, 28, 1) and scaled.dtype == np.float32
    assert scaled[0, 1, 1, 0] == -1.0 and scaled[1, 5, 5, 0] == 1.0
    assert scaled[0, 0, 0, 0] == pytest.approx(128 / 127.5 - 1, abs=1e-6)


def test_conversions_round_trip():
    images = random_bytes()
    gan = pixels.to_gan_range(images[..., None])  # a channel axis is accepted too
    assert np.array_equal(pixels.to_bytes(gan), images)
    assert np.allclose(pixels.from_gan_range(gan)[..., 0], pixels.to_unit_range(images), atol=1e-6)
    assert np.array_equal(pixels.to_bytes(images), images)
    unit = pixels.to_unit_range(images)
    assert unit.shape == (5, 28, 28) and unit.dtype == np.float32 and unit.max() <= 1.0


@pytest.mark.parametrize(
    "scale, offset", [(1.0, 0.0), (2.0, -1.0), (255.0, 0.0)], ids=["unit", "gan", "bytes"]
)
def test_as_gan_range_accepts_the_three_ranges(scale, offset):
    unit = np.linspace(0, 1, 2 * 784).reshape(2, 28, 28)
    converted = pixels.as_gan_range(unit * scale + offset)
    assert converted.shape == (2, 28, 28, 1)
    assert np.allclose(converted[..., 0], unit * 2 - 1, atol=1e-5)


def test_as_gan_range_accepts_uint8_and_a_channel_axis():
    converted = pixels.as_gan_range(np.full((3, 28, 28, 1), 255, np.uint8))
    assert converted.shape == (3, 28, 28, 1) and converted.max() == 1.0


def test_from_gan_range_clips_and_refuses_nan_and_non_numbers():
    assert pixels.from_gan_range(np.array([-1.0, 0.0, 1.0, 3.0])).tolist() == [0.0, 0.5, 1.0, 1.0]
    with pytest.raises(ValueError, match="images contain NaN; the generator that made them has"):
        pixels.from_gan_range(np.array([0.0, np.nan]))
    with pytest.raises(TypeError, match="from_gan_range expects numbers in"):
        pixels.from_gan_range(np.array(["a"]))


@pytest.mark.parametrize("convert", [pixels.to_gan_range, pixels.to_unit_range])
def test_conversions_from_bytes_refuse_floats_and_wrong_shapes(convert):
    with pytest.raises(TypeError, match=f"dtype float32; {convert.__name__} expects uint8"):
        convert(np.zeros((1, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"shape \(1, 32, 32\); expected \(N, 28, 28\)"):
        convert(np.zeros((1, 32, 32), np.uint8))


# --- checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "images, error, message",
    [
        (np.zeros((5, 32, 32)), ValueError, r"shape \(5, 32, 32\); expected \(N, 28, 28\)"),
        (np.zeros((5, 28, 28, 3)), ValueError, r"shape \(5, 28, 28, 3\)"),
        (np.zeros((28, 28)), ValueError, r"for a single digit pass images\[None\]"),
        (np.zeros((0, 28, 28)), ValueError, "are empty"),
        (
            np.full((2, 28, 28), np.nan),
            ValueError,
            r"NaN or infinite pixels in 2 image\(s\); the gen",
        ),
        (np.zeros((2, 28, 28), bool), TypeError, r"dtype bool; give numeric pixels"),
        (np.array([["a"] * 28] * 28)[None], TypeError, "dtype <U1"),
    ],
    ids=["shape", "channels", "one-digit", "empty", "nan", "bool", "strings"],
)
def test_check_stack_says_what_is_wrong(images, error, message):
    with pytest.raises(error, match=message):
        pixels.check_stack(images)


def test_check_stack_names_the_argument_and_its_fix():
    with pytest.raises(ValueError, match=r"noisy\.npy contain NaN .* in 1 image\(s\); look again"):
        pixels.check_stack(np.full((1, 28, 28), np.inf), "noisy.npy", "look again")
    checked = pixels.check_stack(np.ones((2, 28, 28, 1), np.float64))
    assert checked.shape == (2, 28, 28) and checked.dtype == np.float32


@pytest.mark.parametrize(
    "images, error, message",
    [
        (
            np.full((2, 28, 28), 1.5, np.float32),
            ValueError,
            r"span \[1.5, 1.5\]; expected pixels in \[0, 1\].*np\.clip",
        ),
        (-np.ones((2, 28, 28), np.float32), ValueError, r"span \[-1, -1\].*\(images \+ 1\) / 2"),
        (np.full((2, 28, 28), 255.0), ValueError, r"span \[255, 255\].*divide uint8 pixels by 255"),
        (np.zeros((2, 28, 28), np.uint8), TypeError, r"integer dtype uint8.*pass images / 255"),
        (np.zeros((2, 28, 28), bool), TypeError, r"dtype bool; give float pixels in \[0, 1\]"),
        (np.full((2, 28, 28), np.nan, np.float32), ValueError, r"in 2 image\(s\); .*nan_to_num"),
    ],
    ids=["too-bright", "gan-range", "bytes-as-floats", "uint8", "bool", "nan"],
)
def test_check_unit_range_says_what_is_wrong_and_the_fix(images, error, message):
    with pytest.raises(error, match=message):
        pixels.check_unit_range(images)


def test_check_gan_range_adds_a_channel_axis_and_refuses_other_ranges():
    assert pixels.check_gan_range(np.zeros((2, 28, 28))).shape == (2, 28, 28, 1)
    with pytest.raises(ValueError, match=r"span \[0, 255\]; expected pixels in \[-1, 1\]: conv"):
        pixels.check_gan_range(np.concatenate([np.zeros((1, 28, 28)), np.full((1, 28, 28), 255.0)]))


@pytest.mark.parametrize(
    "samples, message",
    [
        (np.full((2, 28, 28), 300.0), r"span \[300, 300\]"),
        (np.stack([np.full((28, 28), -1.0), np.full((28, 28), 200.0)]), r"span \[-1, 200\]"),
    ],
    ids=["too-high", "mixed"],
)
def test_as_gan_range_refuses_values_in_no_range(samples, message):
    with pytest.raises(ValueError, match=message + r"; expected values in \[-1, 1\], \[0, 1\]"):
        pixels.as_gan_range(samples)


# --- the digit grid -------------------------------------------------------------------------


def test_the_grid_draws_white_digits_on_black():
    images = -np.ones((3, 28, 28, 1), np.float32)
    images[1, 5, 7] = 1.0  # one white pixel in the second digit
    canvas = pixels.tile(images, columns=2)
    assert canvas.shape == (56, 56) and canvas.dtype == np.uint8
    assert canvas[5, 28 + 7] == 255 and canvas.sum() == 255  # the rest, and the unused cell, black
    picture = pixels.grid_image(images, columns=2)
    assert picture.size == (112, 112) and np.asarray(picture)[10, 2 * (28 + 7)] == 255


def test_the_grid_reads_uint8_digits_as_bytes_and_leaves_bands_for_captions():
    digits = random_bytes(3)
    canvas = pixels.tile(digits, columns=3, band=4)
    assert canvas.shape == (32, 84) and not canvas[:4].any()
    assert np.array_equal(canvas[4:, 28:56], digits[1])


def test_the_grid_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="columns must be a positive number of images per row"):
        pixels.grid_image(np.zeros((2, 28, 28, 1)), columns=0)
    with pytest.raises(ValueError, match=r"images contain NaN or infinite pixels in 2 image"):
        pixels.grid_image(np.full((2, 28, 28, 1), np.nan))


# --- distances ------------------------------------------------------------------------------


def test_nearest_neighbour_distances_match_brute_force():
    rng = np.random.default_rng(2)
    images = rng.uniform(-1, 1, size=(7, 28, 28, 1)).astype(np.float32)
    references = rng.uniform(-1, 1, size=(30, 28, 28)).astype(np.float32)
    unit_i, unit_r = (images.reshape(7, -1) + 1) / 2, (references.reshape(30, -1) + 1) / 2
    brute = np.sqrt(((unit_i[:, None] - unit_r[None]) ** 2).sum(-1)).min(1)
    found = pixels.nearest_neighbour_distances(images, references, batch_size=3)
    assert np.allclose(found, brute, atol=1e-4)
    copies = pixels.nearest_neighbour_distances(references[:4], references)
    assert copies == pytest.approx(np.zeros(4), abs=1e-6)  # exact: no float32 cancellation


def test_nearest_neighbour_distances_check_their_inputs():
    images = np.zeros((2, 28, 28))
    with pytest.raises(ValueError, match=r"references have shape \(28, 28\).*pass images\[None\]"):
        pixels.nearest_neighbour_distances(images, np.zeros((28, 28)))
    with pytest.raises(ValueError, match="images contain NaN or infinite pixels in 1 image"):
        pixels.nearest_neighbour_distances(np.stack([images[0], images[0] * np.nan]), images)
    with pytest.raises(ValueError, match="batch_size must be a positive number of images, got 0"):
        pixels.nearest_neighbour_distances(images, images, batch_size=0)

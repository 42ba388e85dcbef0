"""Shipped weights are checked against their cards; noise and blur behave as documented."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mnistgan_lib.core import pretrained
from mnistgan_lib.core.backend import keras
from mnistgan_lib.core.pretrained import WeightsError
from mnistgan_lib.measuring import corrupt


def tiny_model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="tiny")


@pytest.fixture
def shipped(tmp_path):
    model = tiny_model()
    pretrained.save_with_card(
        model, "tiny", {"command": "python -m mnistgan_lib train tiny"}, tmp_path
    )
    return tmp_path, model


def test_round_trip_with_card(shipped):
    directory, model = shipped
    card = pretrained.read_card("tiny", directory)
    assert card["file"] == "tiny.weights.h5" and len(card["sha256"]) == 64
    assert pretrained.available(directory) == ["tiny"]
    loaded = pretrained.load_into(tiny_model(), "tiny", directory)
    assert np.array_equal(loaded.get_layer("d").kernel.numpy(), model.get_layer("d").kernel.numpy())
    assert not list(directory.glob(".*partial*"))


def test_shipped_files_hold_no_optimizer_state(tmp_path):
    bare, trained = tiny_model(), tiny_model()
    trained.compile(keras.optimizers.Adam(), "mse")
    trained.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    pretrained.save_with_card(bare, "bare", {}, tmp_path)
    pretrained.save_with_card(trained, "trained", {}, tmp_path)
    assert (
        pretrained.read_card("trained", tmp_path)["bytes"]
        == pretrained.read_card("bare", tmp_path)["bytes"]
    )


def test_a_changed_file_is_refused_by_its_hash(shipped):
    directory, _ = shipped
    path = directory / "tiny.weights.h5"
    content = bytearray(path.read_bytes())
    content[-100] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(
        WeightsError,
        match=r"tiny\.weights\.h5: sha256 .* does not match its card"
        r".*python -m mnistgan_lib train tiny",
    ):
        pretrained.load_into(tiny_model(), "tiny", directory)


def test_a_corrupt_file_with_a_matching_card_is_reported(shipped):
    directory, _ = shipped
    path = directory / "tiny.weights.h5"
    path.write_bytes(b"not an h5 file")
    card = json.loads((directory / "tiny.json").read_text())
    card["sha256"] = pretrained.sha256_of(path)
    (directory / "tiny.json").write_text(json.dumps(card))
    with pytest.raises(WeightsError, match=r"cannot be loaded into tiny"):
        pretrained.load_into(tiny_model(), "tiny", directory)


def test_weights_for_another_architecture_are_refused(shipped):
    directory, _ = shipped
    other = keras.Sequential([keras.Input((5,)), keras.layers.Dense(7)], name="other")
    with pytest.raises(WeightsError, match="cannot be loaded into other"):
        pretrained.load_into(other, "tiny", directory)


def test_unknown_name_lists_what_is_available(shipped):
    directory, _ = shipped
    with pytest.raises(WeightsError, match=r"no weights called 'nope'.*available: tiny"):
        pretrained.read_card("nope", directory)


def test_missing_weights_file_and_broken_card(shipped):
    directory, _ = shipped
    (directory / "tiny.weights.h5").unlink()
    with pytest.raises(WeightsError, match="the weights file its card names is missing"):
        pretrained.load_into(tiny_model(), "tiny", directory)
    (directory / "tiny.json").write_text("{broken")
    with pytest.raises(WeightsError, match="the card is not valid JSON"):
        pretrained.read_card("tiny", directory)


def test_gaussian_noise_has_the_requested_variance_before_clipping():
    grey = np.full((50, 28, 28), 0.5, np.float32)
    noisy = corrupt.add_gaussian_noise(grey, variance=0.01, seed=1)
    assert noisy.var() == pytest.approx(0.01, rel=0.05) and noisy.dtype == np.float32
    assert np.array_equal(noisy, corrupt.add_gaussian_noise(grey, 0.01, seed=1))
    clipped = corrupt.add_gaussian_noise(grey, variance=4.0)
    assert clipped.min() == 0.0 and clipped.max() == 1.0
    assert np.array_equal(corrupt.add_gaussian_noise(grey, 0.0), grey)


@pytest.mark.parametrize("variance", [-0.1, float("nan"), float("inf")])
def test_negative_or_non_finite_variance_is_refused(variance):
    with pytest.raises(ValueError, match="noise variance must be a finite number >= 0"):
        corrupt.add_gaussian_noise(np.zeros((1, 28, 28)), variance)


def test_blur_and_median_filter():
    image = np.zeros((1, 28, 28), np.float32)
    image[0, 14, 14] = 1.0
    blurred = corrupt.gaussian_blur(image, 1.0)
    assert blurred.sum() == pytest.approx(1.0, rel=1e-3) and blurred.max() < 0.2
    assert corrupt.median_filter(image, 3).max() == 0.0  # a lone bright pixel is removed
    with pytest.raises(ValueError, match="blur sigma must be"):
        corrupt.gaussian_blur(image, -1)
    with pytest.raises(ValueError, match="median filter size must be a positive integer"):
        corrupt.median_filter(image, 2.5)


@pytest.mark.parametrize(
    "images, error, message",
    [
        (
            np.full((2, 28, 28), 255.0),
            ValueError,
            r"images span \[255, 255\]; expected pixels in \[0, 1\]: divide uint8 pixels by 255",
        ),
        (np.zeros((28, 28)), ValueError, r"pass images\[None\]"),
        (
            np.full((1, 28, 28), np.nan),
            ValueError,
            "images contain NaN or infinite pixels in 1 image",
        ),
        (np.zeros((0, 28, 28)), ValueError, "images are empty"),
        (np.array([["x"]]), TypeError, r"images have dtype <U1; give float pixels in \[0, 1\]"),
        (np.zeros((1, 28, 28), np.uint8), TypeError, "integer dtype uint8.*pass images / 255"),
    ],
)
def test_every_corruption_checks_its_images(images, error, message):
    for corruption in (
        lambda x: corrupt.add_gaussian_noise(x, 0.1),
        lambda x: corrupt.gaussian_blur(x, 1.0),
        lambda x: corrupt.median_filter(x, 3),
    ):
        with pytest.raises(error, match=message):
            corruption(images)


def test_every_corruption_returns_stacks_without_a_channel_axis():
    images = np.full((2, 28, 28, 1), 0.5, np.float32)
    for corrupted in (
        corrupt.add_gaussian_noise(images, 0.1),
        corrupt.gaussian_blur(images, 1.0),
        corrupt.median_filter(images, 3),
    ):
        assert corrupted.shape == (2, 28, 28) and corrupted.dtype == np.float32


def test_the_judge_refuses_images_outside_its_range_and_bad_batches():
    from mnistgan_lib.measuring import judge

    with pytest.raises(ValueError, match=r"images span \[0, 255\]; expected pixels in \[-1, 1\]"):
        judge.judge_outputs(np.concatenate([np.zeros((1, 28, 28)), np.full((1, 28, 28), 255.0)]))
    with pytest.raises(ValueError, match="batch_size must be a positive number of images, got 0"):
        judge.judge_outputs(np.zeros((1, 28, 28)), batch_size=0)
    with pytest.raises(ValueError, match=r"images have shape \(3, 32, 32\)"):
        judge.judge_outputs(np.zeros((3, 32, 32)))
    probabilities, features = judge.judge_outputs(
        np.zeros((2, 28, 28))
    )  # (N, 28, 28) is accepted too
    assert probabilities.shape == (2, 10) and features.shape == (2, 128)

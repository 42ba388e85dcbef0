"""The autoencoder builder, training, `denoise`'s checks, the shipped `dae` and its commands."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mnistgan_lib.core import backend, pretrained
from mnistgan_lib.denoising import autoencoder
from mnistgan_lib.measuring import corrupt, metrics
from mnistgan_lib.running import cli


def bars(count: int, seed: int = 0) -> np.ndarray:
    """Synthetic digits: one bright horizontal or vertical bar, 3 pixels wide, on black 28x28."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 28, 28), np.float32)
    for image, position, vertical in zip(
        images, rng.integers(4, 22, count), rng.integers(0, 2, count)
    ):
        if vertical:
            image[4:24, position : position + 3] = 1.0
        else:
            image[position : position + 3, 4:24] = 1.0
    return images


@pytest.fixture(scope="module")
def shipped_dae():
    return autoencoder.load_denoiser()


def test_builder_shapes_with_and_without_a_bottleneck():
    plain = autoencoder.build_autoencoder(code_size=8, filters=(4, 8))
    assert plain.get_layer("encoder").output.shape == (None, 8)
    assert plain.get_layer("decoder").output.shape == (None, 28, 28, 1)
    dae = autoencoder.build_denoiser()
    assert dae.name == "dae" and dae.get_layer("encoder").output.shape[1:3] == (7, 7)
    out = dae(np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")).numpy()
    assert out.shape == (3, 28, 28, 1) and out.min() >= 0.0 and out.max() <= 1.0  # a sigmoid output
    assert plain.get_layer("decoder")(np.zeros((2, 8), "float32")).shape == (2, 28, 28, 1)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"code_size": 0}, "code_size must be a positive integer or None"),
        ({"code_size": 2.5}, "code_size must be a positive integer or None"),
        ({"filters": (8,)}, "filters must be two positive integers"),
        ({"filters": (8, -1)}, "filters must be two positive integers"),
    ],
)
def test_builder_refuses_bad_settings(arguments, message):
    with pytest.raises(ValueError, match=message):
        autoencoder.build_autoencoder(**arguments)


def test_a_few_epochs_of_denoising_reduce_the_loss_and_repeat_exactly():
    images = bars(256)
    runs = []
    for _ in range(2):
        backend.seed_everything(3)  # the initial weights come from Keras's global seed
        model = autoencoder.build_autoencoder(filters=(4, 8))
        runs.append(
            autoencoder.train_autoencoder(
                model, images, variance=0.1, epochs=4, seed=3, batch_size=32, learning_rate=1e-2
            )
        )
    losses = runs[0]
    assert len(losses) == 4 and losses[-1] < 0.7 * losses[0], losses
    assert runs[0] == runs[1]  # seeded: the same noise, the same shuffles, the same weights
    noisy = corrupt.add_gaussian_noise(bars(64, seed=1), 0.1, seed=9)
    assert metrics.psnr(bars(64, seed=1), autoencoder.denoise(model, noisy)) > 0


def test_training_noise_is_fresh_every_epoch():
    seeds = {autoencoder._noise_seed(seed, epoch) for seed in range(3) for epoch in range(5)}
    assert len(seeds) == 15


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"variance": -0.1}, "variance must be a finite number >= 0"),
        ({"variance": float("nan")}, "variance must be a finite number >= 0"),
        ({"epochs": 0}, "epochs must be a positive integer"),
    ],
)
def test_training_refuses_bad_settings(arguments, message):
    with pytest.raises(ValueError, match=message):
        autoencoder.train_autoencoder(
            autoencoder.build_autoencoder(filters=(2, 2)), bars(4), **arguments
        )


def test_denoise_returns_images_in_the_unit_range(shipped_dae):
    noisy = corrupt.add_gaussian_noise(bars(5), 0.25, seed=0)
    for given in (noisy, noisy[..., None], noisy.astype(np.float64)):
        restored = autoencoder.denoise(shipped_dae, given)
        assert restored.shape == (5, 28, 28) and restored.dtype == np.float32
        assert restored.min() >= 0.0 and restored.max() <= 1.0


@pytest.mark.parametrize(
    "images, error, message",
    [
        (
            np.zeros((2, 28, 27), np.float32),
            ValueError,
            r"images have shape \(2, 28, 27\); expected \(N, 28, 28\)",
        ),
        (np.zeros((28, 28), np.float32), ValueError, r"for a single digit pass images\[None\]"),
        (np.zeros((0, 28, 28), np.float32), ValueError, "images are empty"),
        (np.zeros((2, 28, 28), np.uint8), TypeError, r"integer dtype uint8.*pass images / 255"),
        (np.zeros((2, 28, 28), bool), TypeError, r"dtype bool; give float pixels in \[0, 1\]"),
        (np.array([["a"] * 28] * 28)[None], TypeError, "give float pixels"),
        (
            np.full((2, 28, 28), np.nan, np.float32),
            ValueError,
            r"NaN or infinite pixels in 2 image\(s\).*nan_to_num",
        ),
        (
            np.full((2, 28, 28), 1.5, np.float32),
            ValueError,
            r"span \[1.5, 1.5\]; expected pixels in \[0, 1\].*np.clip",
        ),
        (-np.ones((2, 28, 28), np.float32), ValueError, r"span \[-1, -1\].*\(images \+ 1\) / 2"),
    ],
)
def test_denoise_checks_its_input(shipped_dae, images, error, message):
    with pytest.raises(error, match=message):
        autoencoder.denoise(shipped_dae, images)


def test_errors_name_the_argument(shipped_dae):
    with pytest.raises(ValueError, match="noisy.npy have shape"):
        autoencoder.denoise(shipped_dae, np.zeros((3, 3)), name="noisy.npy")


def test_the_shipped_denoiser_loads_and_its_card_says_how_it_was_made():
    card = pretrained.read_card("dae")
    assert card["role"] == "denoiser" and card["file"] == "dae.weights.h5"
    assert card["command"].startswith("python -m mnistgan_lib train-dae --variance ")
    assert f"--epochs {card['epochs']} --seed {card['seed']}" in card["command"]
    assert card["variance"] == 0.25 and card["epochs"] >= 1
    row = card["psnr_at_0.25"]
    assert row["variance"] == 0.25 and "10,000" in card["evaluated_on"]
    assert row["autoencoder"] - row["best_classical"] >= 5.0, row  # the target
    assert row["best_classical"] == max(row["gaussian_blur"]["psnr"], row["median_filter"]["psnr"])
    assert card["bytes"] < 2_000_000
    model = autoencoder.load_denoiser()  # checks the sha256 first
    assert model.count_params() == card["parameters"]


def test_the_denoiser_removes_noise_from_synthetic_bars(shipped_dae):
    clean = bars(50)
    noisy = corrupt.add_gaussian_noise(clean, 0.25, seed=4)
    assert (
        metrics.psnr(clean, autoencoder.denoise(shipped_dae, noisy))
        > metrics.psnr(clean, noisy) + 3
    )


# --- the command line ------------------------------------------------------------------------


def test_denoise_command_writes_clean_images(tmp_path, capsys):
    noisy = corrupt.add_gaussian_noise(bars(7), 0.25, seed=0)
    np.save(tmp_path / "noisy.npy", noisy)
    cli.main(
        [
            "denoise",
            "--model",
            "dae",
            "--in",
            str(tmp_path / "noisy.npy"),
            "--out",
            str(tmp_path / "clean.npy"),
        ]
    )
    restored = np.load(tmp_path / "clean.npy")
    assert restored.shape == (7, 28, 28) and restored.dtype == np.float32
    assert restored.min() >= 0.0 and restored.max() <= 1.0
    assert "denoised 7 images with dae" in capsys.readouterr().out


def refused(arguments, capsys) -> str:
    """The error a command stopped with (exit code 1, "error: ..." on stderr)."""
    with pytest.raises(SystemExit) as stopped:
        cli.main(arguments)
    said = capsys.readouterr().err
    assert stopped.value.code == 1 and said.startswith("error: "), said
    return said


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "noisy images file .*missing.npy does not exist"),
        (np.zeros((4, 28)), r"have shape \(4, 28\); expected \(N, 28, 28\)"),
        (np.full((2, 28, 28), 300.0), r"span \[300, 300\]; expected values in \[-1, 1\]"),
        (np.full((2, 28, 28), np.nan), "NaN or infinite pixels"),
        (np.full((2, 28, 28), -1, np.int16), "integer pixels must be 0..255"),
    ],
)
def test_denoise_command_refuses_bad_input_clearly(tmp_path, capsys, content, message):
    source = tmp_path / "missing.npy"
    if content is not None:
        source = tmp_path / "bad.npy"
        np.save(source, content)
    said = refused(["denoise", "--in", str(source), "--out", str(tmp_path / "out.npy")], capsys)
    assert re.search(message, said), said
    assert not (tmp_path / "out.npy").exists()


def test_denoise_command_names_the_file_in_its_errors(tmp_path, capsys):
    np.save(tmp_path / "bad.npy", np.zeros((4, 28)))
    said = refused(
        ["denoise", "--in", str(tmp_path / "bad.npy"), "--out", str(tmp_path / "out.npy")], capsys
    )
    assert re.search(r"the noisy images in .*bad\.npy have shape", said), said


def test_denoise_command_refuses_an_unknown_model(tmp_path, capsys):
    np.save(tmp_path / "noisy.npy", np.zeros((1, 28, 28), np.float32))
    said = refused(
        [
            "denoise",
            "--model",
            "nope",
            "--in",
            str(tmp_path / "noisy.npy"),
            "--out",
            str(tmp_path / "o.npy"),
        ],
        capsys,
    )
    assert re.search(r"no weights called 'nope'.*available: .*dae", said), said


def test_denoise_command_refuses_weights_that_are_not_a_denoiser(tmp_path, capsys):
    np.save(tmp_path / "noisy.npy", np.zeros((1, 28, 28), np.float32))
    said = refused(
        [
            "denoise",
            "--model",
            "judge",
            "--in",
            str(tmp_path / "noisy.npy"),
            "--out",
            str(tmp_path / "o.npy"),
        ],
        capsys,
    )
    assert re.search(r"'judge' is not a denoiser.*give a shipped denoiser: dae", said), said


@pytest.mark.parametrize(
    "command",
    [
        ["train-dae", "--variance", "-1"],
        ["train-dae", "--variance", "nan"],
        ["psnr-table", "--variances", "0.1", "abc"],
        ["psnr-table", "--images", "0"],
    ],
)
def test_commands_refuse_bad_options(command, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(command)
    assert stopped.value.code == 2
    assert "must be" in capsys.readouterr().err


def test_denoise_command_refuses_an_output_folder_that_does_not_exist(tmp_path, capsys):
    np.save(tmp_path / "noisy.npy", np.zeros((1, 28, 28), np.float32))
    said = refused(
        [
            "denoise",
            "--in",
            str(tmp_path / "noisy.npy"),
            "--out",
            str(tmp_path / "nope" / "clean.npy"),
        ],
        capsys,
    )
    assert re.search("the folder of --out .* does not exist", said), said

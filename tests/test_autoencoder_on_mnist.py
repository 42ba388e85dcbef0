"""The shipped denoiser on real MNIST: 5 dB over the classical filters, and the table command.

These tests read the real data (the file MNISTGAN_DATA names, or Keras's earlier download); where
MNIST cannot be loaded they are skipped with a message saying so, and CI, which sets
MNISTGAN_REQUIRE_MNIST=1, fails instead.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import needs_real_mnist

from mnistgan_lib.core import data, pixels, pretrained
from mnistgan_lib.denoising import autoencoder
from mnistgan_lib.measuring import corrupt, judge, metrics

pytestmark = needs_real_mnist
N = 2_000


@pytest.fixture(scope="module")
def test_digits():
    return autoencoder.clean_test_digits(N)


@pytest.fixture(scope="module")
def dae():
    return autoencoder.load_denoiser()


def test_the_denoiser_beats_the_best_classical_filter_by_5_db_at_its_training_variance(
    dae, test_digits
):
    row = autoencoder.measure(dae, test_digits, 0.25)
    assert row.noisy < row.best_classical < row.model
    assert row.gain >= 5.0, row
    assert row.blur_sigma in autoencoder.BLUR_SIGMAS and row.median_size in autoencoder.MEDIAN_SIZES


def test_the_baselines_are_at_their_best_setting(test_digits):
    noisy = corrupt.add_gaussian_noise(test_digits, 0.25, seed=autoencoder.TABLE_NOISE_SEED)
    blur, sigma = autoencoder.best_blur(test_digits, noisy)
    assert all(
        metrics.psnr(test_digits, corrupt.gaussian_blur(noisy, s)) <= blur
        for s in autoencoder.BLUR_SIGMAS
    )
    assert blur == metrics.psnr(test_digits, corrupt.gaussian_blur(noisy, sigma))


def test_the_card_agrees_with_a_measurement_on_the_full_test_set(dae):
    card_row = pretrained.read_card("dae")["psnr_at_0.25"]
    row = autoencoder.measure(dae, autoencoder.clean_test_digits(), 0.25)
    assert row.model == pytest.approx(card_row["autoencoder"], abs=0.01)
    assert row.best_classical == pytest.approx(card_row["best_classical"], abs=0.01)


def test_the_denoised_digits_are_still_the_same_digits(dae, test_digits):
    labels = data.load_mnist()[1][1][:N]
    noisy = corrupt.add_gaussian_noise(test_digits, 0.25, seed=2)

    def accuracy(images):
        return (judge.judge_outputs(pixels.as_gan_range(images))[0].argmax(1) == labels).mean()

    assert accuracy(autoencoder.denoise(dae, noisy)) > 0.95 > accuracy(noisy)


def test_psnr_table_command():
    command = ["psnr-table", "--images", "500", "--variances", "0.1", "0.25"]
    run = subprocess.run(
        [sys.executable, "-m", "mnistgan_lib", *command], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert "first 500 MNIST test digits" in lines[0]
    rows = [line.split() for line in lines if line.split()[0] in ("0.1", "0.25")]
    assert [row[0] for row in rows] == ["0.1", "0.25"] and rows == [r.split() for r in lines[-2:]]
    assert float(rows[1][-1]) > 4  # the gain column

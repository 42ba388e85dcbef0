"""The measuring kit on real MNIST: the judge is accurate; every metric orders known cases right.

These tests read the real data (the file MNISTGAN_DATA names, or Keras's earlier download); where
MNIST cannot be loaded they are skipped with a message saying so, and CI, which sets
MNISTGAN_REQUIRE_MNIST=1, fails instead.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import evaluate_like_the_card, needs_real_mnist

from mnistgan_lib.core import data, pixels
from mnistgan_lib.gans import networks
from mnistgan_lib.measuring import corrupt, judge, metrics

pytestmark = needs_real_mnist
N = 2_000


@pytest.fixture(scope="module")
def mnist():
    return data.load_mnist()


@pytest.fixture(scope="module")
def unit_test_images(mnist):
    return mnist[1][0][:N].astype(np.float32) / 255.0


def test_shipped_judge_is_above_99_percent_on_the_test_split(mnist):
    (_, _), (x_test, y_test) = mnist
    probabilities, features = judge.judge_outputs(pixels.to_gan_range(x_test))
    assert features.shape == (10_000, 128)
    assert (probabilities.argmax(1) == y_test).mean() >= 0.99


def test_real_digits_are_the_floor_and_an_untrained_generator_the_ceiling(mnist):
    (x_train, _), (x_test, _) = mnist
    rng = np.random.default_rng(0)
    floor = metrics.fd_between(x_train[rng.permutation(len(x_train))[:N]], x_test[:N])
    generator = networks.build_generator()
    untrained = generator.predict(
        rng.normal(size=(N, networks.DEFAULT_LATENT_DIM)).astype("float32"), verbose=0
    )
    worst = metrics.fd_between(untrained, x_test[:N])
    assert floor < 20 and worst > 20 * floor, (floor, worst)


@pytest.mark.parametrize(
    "degrade, strengths",
    [
        (corrupt.add_gaussian_noise, [0.0, 0.01, 0.04, 0.1, 0.25]),
        (corrupt.gaussian_blur, [0.0, 0.5, 1.0, 1.5, 2.0]),
    ],
    ids=["noise", "blur"],
)
def test_fd_rises_steadily_with_damage(mnist, unit_test_images, degrade, strengths):
    x_train = mnist[0][0][:N]
    distances = [metrics.fd_between(x_train, degrade(unit_test_images, s)) for s in strengths]
    assert all(a < b for a, b in zip(distances, distances[1:])), distances


def test_coverage_catches_a_missing_class(mnist):
    (x_train, y_train), _ = mnist
    full = metrics.evaluate(x_train[:N], nn_subset=50)
    without_sevens = metrics.evaluate(x_train[y_train != 7][:N], nn_subset=50)
    assert full.coverage_min_fraction > 0.07
    assert without_sevens.coverage_min_class == 7 and without_sevens.coverage_min_fraction < 0.01
    assert without_sevens.coverage_kl_to_uniform > 10 * full.coverage_kl_to_uniform
    assert without_sevens.classifier_score < full.classifier_score


def test_copies_of_training_digits_have_no_distance_to_train(mnist):
    (x_train, _), (x_test, _) = mnist
    copied = metrics.evaluate(x_train[:N], nn_subset=200)
    assert copied.nn_distance_to_train == pytest.approx(0, abs=1e-4)
    assert copied.nn_distance_test_reference > 3


def test_conditional_accuracy_of_real_labels(mnist):
    (_, _), (x_test, y_test) = mnist
    report = metrics.evaluate(x_test[:N], labels=y_test[:N].astype(np.int64), nn_subset=50)
    assert report.conditional_accuracy > 0.99
    shuffled = metrics.evaluate(
        x_test[:N], labels=np.roll(y_test[:N], 1).astype(np.int64), nn_subset=50
    )
    assert shuffled.conditional_accuracy < 0.2


def run_cli(*arguments):
    return subprocess.run(
        [sys.executable, "-m", "mnistgan_lib", *arguments], capture_output=True, text=True
    )


def test_evaluate_command_on_a_sample_file(tmp_path, mnist):
    samples = tmp_path / "samples.npy"
    np.save(samples, mnist[1][0][:1000])  # uint8 in [0, 255]
    table = run_cli("evaluate", str(samples))
    assert table.returncode == 0, table.stderr
    assert "FD-MNIST (lower is better)" in table.stdout and "1,000" in table.stdout
    as_json = run_cli("evaluate", str(samples), "--json")
    report = json.loads(as_json.stdout)
    assert (
        report["samples"] == 1000
        and report["classifier_score"] > 9
        and len(report["class_fractions"]) == 10
    )


def test_evaluate_command_refuses_bad_files(tmp_path):
    missing = run_cli("evaluate", str(tmp_path / "none.npy"))
    assert missing.returncode != 0 and "does not exist" in missing.stderr
    np.save(tmp_path / "small.npy", np.zeros((10, 28, 28)))
    few = run_cli("evaluate", str(tmp_path / "small.npy"))
    assert few.returncode != 0 and "10 images are too few" in few.stderr
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}] * 600, dtype=object), allow_pickle=True)
    pickled = run_cli("evaluate", str(tmp_path / "objects.npy"))
    assert pickled.returncode != 0 and "cannot be read as a .npy array" in pickled.stderr


def test_evaluate_model_reproduces_the_numbers_on_the_shipped_card():
    evaluate_like_the_card("dcgan", ("mean_confidence",))

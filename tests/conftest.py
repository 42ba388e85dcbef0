"""Shared fixtures: small synthetic MNIST-shaped data made by the tests themselves."""

from __future__ import annotations

import os

import numpy as np
import pytest

from mnistgan_lib.core import config


@pytest.fixture
def tiny_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A fake MNIST in the Keras layout: 40 training and 20 test images, random pixels."""
    rng = np.random.default_rng(0)

    def split(count: int) -> tuple[np.ndarray, np.ndarray]:
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        return images, (np.arange(count) % 10).astype(np.uint8)

    return split(40), split(20)


@pytest.fixture
def tiny_npz(tmp_path, tiny_mnist):
    """tiny_mnist written as an .npz in the Keras layout."""
    (x_train, y_train), (x_test, y_test) = tiny_mnist
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


# Tests that read the real MNIST: they run wherever MNIST can be loaded without the internet (the
# file or folder MNISTGAN_DATA names, or Keras's earlier download) and are skipped elsewhere, saying
# why. With MNISTGAN_REQUIRE_MNIST=1 (CI sets it) such a test fails instead of being skipped, so a
# CI run can never pass without them.
REQUIRE_ENV = "MNISTGAN_REQUIRE_MNIST"
WITHOUT_MNIST = (
    f"MNIST cannot be loaded here: set {config.DATA_ENV} to the real mnist.npz (or a folder of "
    "mnist_train.csv and mnist_test.csv), or download it once through Keras"
)


def real_mnist_missing() -> bool:
    from mnistgan_lib.core import data

    return data.mnist_source() is None


@pytest.fixture(scope="session")  # before the module fixtures that load MNIST
def require_real_mnist():
    """Skip a test that needs the real MNIST where it cannot be loaded, or fail it when
    MNISTGAN_REQUIRE_MNIST=1."""
    if real_mnist_missing():
        if os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0"):
            pytest.fail(f"{REQUIRE_ENV} is set but {WITHOUT_MNIST}", pytrace=False)
        pytest.skip(WITHOUT_MNIST)


needs_real_mnist = pytest.mark.usefixtures("require_real_mnist")

TINY = config.Profile(
    "tiny", None, 2, 500, "test"
)  # for tiny_data: every image, 2 epochs, 500 samples measured


@pytest.fixture(autouse=True)
def tiny_profile(monkeypatch):
    """TINY as a profile a RunConfig may name (a test's own profile, not a command-line choice)."""
    monkeypatch.setitem(config.PROFILES, TINY.name, TINY)


def tiny_run(model: str = "dcgan", epochs: int = 1, **fields):
    """The RunConfig of a run of `model` on the tiny data in the TINY profile."""
    from mnistgan_lib.running.runs import RunConfig

    return RunConfig(**{"model": model, "profile": TINY.name, "epochs": epochs, **fields})


@pytest.fixture
def tiny_data(monkeypatch, tmp_path):
    """An MNIST file of 256 random training images (labels 0..9 in turn), named by MNISTGAN_DATA."""
    rng = np.random.default_rng(0)
    path = tmp_path / "tiny.npz"
    images = lambda n: rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)  # noqa: E731
    np.savez(
        path,
        x_train=images(256),
        y_train=np.arange(256, dtype=np.uint8) % 10,
        x_test=images(20),
        y_test=np.arange(20, dtype=np.uint8) % 10,
    )
    monkeypatch.setenv(config.DATA_ENV, str(path))
    return path


CARD_KEYS = ("samples", "fd_mnist", "classifier_score", "coverage_min_fraction")


def evaluate_like_the_card(name: str, extra_keys: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """`evaluate --model NAME --json` in a new process, checked against NAME's card.

    Returns the measured report and the card.
    """
    import json
    import subprocess
    import sys

    from mnistgan_lib.core import pretrained

    card = pretrained.read_card(name)
    command = [sys.executable, "-m", "mnistgan_lib", "evaluate", "--model", name, "--json"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout)
    for key in CARD_KEYS + extra_keys:
        assert measured[key] == pytest.approx(card["metrics"][key], rel=1e-4), key
    return measured, card

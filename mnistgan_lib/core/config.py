"""Run profiles and settings read from the environment, in one place.

`MNISTGAN_PROFILE` picks how much work a notebook or command does:

- ``quick``: what CI runs; every notebook well under a minute on 2 CPU cores.
- ``standard`` (the default): what a reader gets and what the committed
  notebook outputs come from; a few minutes a chapter on a laptop CPU.
- ``full``: trains the published weights from scratch (a GPU helps).

`MNISTGAN_DATA` names MNIST: an ``.npz`` file in the Keras layout, or a folder
holding ``mnist_train.csv`` and ``mnist_test.csv``; without it the Keras
download is used, which needs the internet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mnistgan_lib.core.errors import InputError

PROFILE_ENV = "MNISTGAN_PROFILE"
DATA_ENV = "MNISTGAN_DATA"
DEFAULT_PROFILE = "standard"


@dataclass(frozen=True)
class Profile:
    """How much data, training and evaluation a run may spend."""

    name: str
    train_images: int | None  # MNIST training images used; None means all 60,000
    epochs: int  # epochs of a chapter's main training run
    eval_samples: int  # generated images per metric evaluation
    summary: str

    def __str__(self) -> str:
        # One line of at most 88 characters: the chapters print it under their imports.
        images = "all 60,000" if self.train_images is None else f"{self.train_images:,}"
        epochs = f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}"
        return (
            f"Profile: {self.name}: {images} training images, {epochs} a run, "
            f"{self.eval_samples:,} samples measured"
        )


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", 2_048, 1, 1_000, "CI smoke run, under a minute a notebook"),
    "standard": Profile(
        "standard", None, 2, 10_000, "the reader's default, minutes a chapter on a CPU"
    ),
    "full": Profile("full", None, 30, 10_000, "trains the published weights, GPU recommended"),
}


def get_profile(name: str | None = None) -> Profile:
    """The profile called `name`, or the one `MNISTGAN_PROFILE` names (default `standard`)."""
    chosen = name if name is not None else os.environ.get(PROFILE_ENV, DEFAULT_PROFILE)
    key = chosen.strip().lower()
    if key not in PROFILES:
        origin = "argument" if name is not None else f"environment variable {PROFILE_ENV}"
        raise InputError(
            f"unknown run profile {chosen!r} (from the {origin}); "
            f"choose one of {', '.join(PROFILES)}, e.g. {PROFILE_ENV}=quick"
        )
    return PROFILES[key]


def data_path() -> Path | None:
    """The MNIST file or folder named by `MNISTGAN_DATA`, or None when it is not set."""
    value = os.environ.get(DATA_ENV, "").strip()
    return Path(value).expanduser() if value else None

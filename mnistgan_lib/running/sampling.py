"""Drawing digits from a shipped generator (by name) or from a training run (by folder)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mnistgan_lib.core import data, pretrained
from mnistgan_lib.core.backend import keras
from mnistgan_lib.gans.gan import generate_images, get_preset


def _latest_checkpoint(folder: Path) -> tuple[Path, str]:
    """The newest checkpoint folder of a training run, and the run's preset name."""
    model = json.loads((folder / "run.json").read_text())["model"]
    pointer = folder / "checkpoints" / "latest.json"
    if not pointer.exists():
        raise ValueError(f"{folder} has no finished epoch yet; train it first (python -m mnistgan_lib train ...)")
    return folder / "checkpoints" / json.loads(pointer.read_text())["folder"], model


def _from_run(folder: Path) -> tuple[keras.Model, str]:
    """The latest (weight-averaged, if any) generator of a training run folder."""
    checkpoint, model = _latest_checkpoint(folder)
    preset = get_preset(model)
    generator = preset.build_generator(preset.latent_dim)
    averaged = checkpoint / "ema_generator.weights.h5"
    generator.load_weights(averaged if averaged.exists() else checkpoint / "generator.weights.h5")
    return generator, model


def load_generator(model: str) -> tuple[keras.Model, str]:
    """A generator and its preset name, from a shipped name (see `pretrained.available()`) or a run folder."""
    folder = Path(model)
    if (folder / "run.json").is_file():
        return _from_run(folder)
    shipped = [name for name in pretrained.available() if pretrained.read_card(name).get("role") == "generator"]
    if model not in shipped:
        raise ValueError(
            f"unknown model {model!r}: give a shipped generator ({', '.join(shipped) or 'none shipped yet'}) "
            "or the folder of a training run (one with a run.json)"
        )
    preset = get_preset(pretrained.read_card(model)["preset"])
    return pretrained.load_into(preset.build_generator(preset.latent_dim), model), preset.name


def requested_labels(n: int, label: int | None = None) -> np.ndarray:
    """Classes to ask a conditional generator for: all `label`, or 0, 1, ..., 9, 0, 1, ... (balanced)."""
    if label is None:
        return np.arange(n) % 10
    if not data.is_whole_number(label) or not 0 <= label <= 9:
        raise ValueError(f"label must be a digit class from 0 to 9, got {label!r}")
    return np.full(n, int(label))


def sample_model(model: str, n: int = 10_000, seed: int = 0, label: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """`n` digits (N, 28, 28) in [-1, 1] from `model` for noise drawn with `seed`, and the labels asked for.

    A conditional model draws class `label`, or every class equally often when
    `label` is None; an unconditional one returns None for the labels.
    """
    generator, name = load_generator(model)
    preset = get_preset(name)
    if not preset.conditional:
        if label is not None:
            raise ValueError(f"model {model!r} is unconditional and cannot draw a chosen digit; "
                             "leave out the label or use a conditional model such as acgan")
        return generate_images(generator, preset.latent_dim, preset.noise, n, seed)[..., 0], None
    labels = requested_labels(n, label)
    return generate_images(generator, preset.latent_dim, preset.noise, n, seed, labels=labels)[..., 0], labels


def load_discriminator(model: str) -> keras.Model:
    """The discriminator that trained `model`: shipped as NAME-discriminator, or a run folder's latest."""
    folder = Path(model)
    if (folder / "run.json").is_file():
        checkpoint, name = _latest_checkpoint(folder)
        discriminator = get_preset(name).build_discriminator()
        discriminator.load_weights(checkpoint / "discriminator.weights.h5")
        return discriminator
    card = pretrained.read_card(f"{model}-discriminator")
    return pretrained.load_into(get_preset(card["preset"]).build_discriminator(), f"{model}-discriminator")

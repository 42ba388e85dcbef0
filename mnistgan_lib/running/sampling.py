"""Drawing digits from a shipped generator (by name) or from a training run (by folder)."""

from __future__ import annotations

import numpy as np

from mnistgan_lib.core import pretrained
from mnistgan_lib.core.backend import keras
from mnistgan_lib.core.errors import InputError
from mnistgan_lib.gans.gan import generate_images, requested_labels
from mnistgan_lib.gans.presets import get_preset
from mnistgan_lib.running.runs import RunFolder


def _from_run(folder: RunFolder) -> tuple[keras.Model, str]:
    """The latest (weight-averaged, if any) generator of a training run folder."""
    model = folder.read_config().model
    preset = get_preset(model)
    generator = preset.build_generator(preset.latent_dim)
    averaged = folder.latest_weights("ema_generator")
    generator.load_weights(averaged if averaged.exists() else folder.latest_weights("generator"))
    return generator, model


def load_generator(model: str) -> tuple[keras.Model, str]:
    """A generator and its preset name, from a shipped name (`pretrained.available()`) or a run."""
    folder = RunFolder(model)
    if folder.is_run():
        return _from_run(folder)
    shipped = [
        name
        for name in pretrained.available()
        if pretrained.read_card(name).get("role") == "generator"
    ]
    if model not in shipped:
        raise InputError(
            f"unknown model {model!r}: give a shipped generator "
            f"({', '.join(shipped) or 'none shipped yet'}) "
            "or the folder of a training run (one with a run.json)"
        )
    preset = get_preset(pretrained.read_card(model)["preset"])
    return pretrained.load_into(preset.build_generator(preset.latent_dim), model), preset.name


def sample_model(
    model: str, n: int = 10_000, seed: int = 0, label: int | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """`n` digits (N, 28, 28) in [-1, 1] from `model` for noise drawn with `seed`, and the labels
    asked for.

    A conditional model draws class `label`, or every class equally often when
    `label` is None; an unconditional one returns None for the labels.
    """
    generator, name = load_generator(model)
    preset = get_preset(name)
    if not preset.conditional:
        if label is not None:
            raise InputError(
                f"model {model!r} is unconditional and cannot draw a chosen digit; "
                "leave out the label or use a conditional model such as acgan"
            )
        return generate_images(generator, preset.latent_dim, preset.noise, n, seed)[..., 0], None
    labels = requested_labels(n, label)
    images = generate_images(generator, preset.latent_dim, preset.noise, n, seed, labels=labels)
    return images[..., 0], labels


def load_discriminator(model: str) -> keras.Model:
    """The discriminator that trained `model`: shipped as NAME-discriminator, or a run's latest."""
    folder = RunFolder(model)
    if folder.is_run():
        discriminator = get_preset(folder.read_config().model).build_discriminator()
        discriminator.load_weights(folder.latest_weights("discriminator"))
        return discriminator
    card = pretrained.read_card(f"{model}-discriminator")
    discriminator = get_preset(card["preset"]).build_discriminator()
    return pretrained.load_into(discriminator, f"{model}-discriminator")

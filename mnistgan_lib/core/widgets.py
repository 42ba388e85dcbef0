"""ipywidgets explorers whose pictures are image widgets, so a saved notebook shows them."""

from __future__ import annotations

import io

import ipywidgets
import numpy as np

from mnistgan_lib.core.errors import InputError
from mnistgan_lib.core.pixels import grid_image


def png_bytes(images: np.ndarray, columns: int = 1) -> bytes:
    """Digits (uint8 0..255, or floats in [-1, 1]) as one PNG grid, white on black."""
    buffer = io.BytesIO()
    grid_image(images, columns).save(buffer, format="PNG")
    return buffer.getvalue()


def latent_explorer(
    generator, latent_dim: int, coordinates: int = 4, seeds: int = 50, conditional: bool = False
) -> ipywidgets.Widget:
    """A noise picker, sliders for the first `coordinates` latent numbers, and the generated digit.

    A `conditional` generator (called as generator([noise, label])) also gets a digit picker.
    """
    if not 1 <= coordinates <= latent_dim:
        raise InputError(
            f"coordinates must be between 1 and latent_dim={latent_dim}, got {coordinates}"
        )
    if seeds < 0:
        raise InputError(f"seeds must be the largest noise seed offered (0 or more), got {seeds}")
    digit = (
        ipywidgets.Dropdown(options=list(range(10)), value=3, description="digit")
        if conditional
        else None
    )
    seed = ipywidgets.IntSlider(0, 0, seeds, description="noise")
    sliders = [
        ipywidgets.FloatSlider(0.0, min=-3, max=3, step=0.25, description=f"z[{i}]")
        for i in range(coordinates)
    ]
    picture = ipywidgets.Image(format="png", width=168, height=168)
    controls = ([digit] if digit else []) + [seed, *sliders]

    def redraw(change=None) -> None:
        noise = np.random.default_rng(seed.value).normal(size=(1, latent_dim)).astype("float32")
        noise[0, :coordinates] = [slider.value for slider in sliders]
        inputs = [noise, np.array([digit.value], np.int32)] if digit else noise
        picture.value = png_bytes(np.asarray(generator(inputs, training=False)))

    for control in controls:
        control.observe(redraw, names="value")
    redraw()
    return ipywidgets.HBox([ipywidgets.VBox(controls), picture])

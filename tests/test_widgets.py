import numpy as np
import pytest

from mnistgan_lib.core import widgets
from mnistgan_lib.core.backend import seed_everything
from mnistgan_lib.gans import networks


@pytest.fixture(scope="module")
def generator():
    seed_everything(0)
    return networks.build_generator(8)


def test_latent_explorer_redraws_when_a_slider_moves(generator):
    explorer = widgets.latent_explorer(generator, latent_dim=8, coordinates=3)
    controls, picture = explorer.children
    seed, *sliders = controls.children
    assert len(sliders) == 3 and bytes(picture.value).startswith(b"\x89PNG")
    before = bytes(picture.value)
    sliders[0].value = 2.5
    after_slider = bytes(picture.value)
    seed.value = 3
    assert before != after_slider != bytes(picture.value)


def test_latent_explorer_checks_coordinates(generator):
    with pytest.raises(ValueError, match="coordinates must be between 1 and latent_dim=8, got 9"):
        widgets.latent_explorer(generator, latent_dim=8, coordinates=9)


def test_png_bytes_tiles_images():
    from io import BytesIO

    from PIL import Image

    picture = Image.open(
        BytesIO(widgets.png_bytes(np.zeros((6, 28, 28, 1), np.float32), columns=3))
    )
    assert picture.size == (3 * 56, 2 * 56)

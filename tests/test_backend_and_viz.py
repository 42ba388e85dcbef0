import numpy as np
import pytest
from matplotlib import pyplot as plt

from mnistgan_lib.core import backend, viz
from mnistgan_lib.core.backend import keras


def test_device_report_names_versions_and_device():
    report = backend.device_report()
    assert report.startswith(f"TensorFlow {backend.tf.__version__}, Keras {keras.__version__}; ")
    assert ("GPU(s)" in report) == bool(backend.gpu_names())


def test_seed_everything_makes_initialisation_repeatable():
    def weights():
        backend.seed_everything(7)
        layer = keras.layers.Dense(4)
        layer.build((None, 3))
        return layer.kernel.numpy(), keras.random.normal((2,)).numpy()

    (w1, n1), (w2, n2) = weights(), weights()
    assert np.array_equal(w1, w2) and np.array_equal(n1, n2)


@pytest.mark.parametrize(
    "gpus, setting, deterministic",
    [([], "", True), (["GPU:0"], "", False), (["GPU:0"], "1", True), ([], "0", False)],
)
def test_op_determinism_is_on_for_a_cpu_and_only_on_request_for_a_gpu(
    monkeypatch, gpus, setting, deterministic
):
    monkeypatch.setattr(backend, "_GPUS", gpus)
    monkeypatch.setenv(backend.DETERMINISM_ENV, setting)
    assert backend.deterministic_ops() is deterministic


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_seed_everything_refuses_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        backend.seed_everything(seed)


def test_show_digits_draws_one_grid_with_a_caption_above_each_digit():
    images = np.zeros((12, 28, 28), np.uint8)
    figure = viz.show_digits(images, captions=list(range(12)), ncols=5)
    (axis,) = figure.get_axes()
    band = viz.CAPTION_BAND
    assert axis.images[0].get_array().shape == (3 * (28 + band), 5 * 28)
    texts = [text.get_text() for text in axis.texts]
    assert texts == [str(n) for n in range(12)]
    x, y = axis.texts[11].get_position()  # row 2, column 1: centred on its cell, in its band
    assert (x, y) == (1.5 * 28 - 0.5, 2 * (28 + band) + band / 2 - 0.5)
    plt.close(figure)


@pytest.mark.parametrize(
    "images",
    [np.full((1, 28, 28, 1), 1.0, np.float32), np.full((1, 28, 28), 255, np.uint8)],
    ids=["gan", "uint8"],
)
def test_show_digits_draws_white_digits_on_black(images):
    images[0, :14] = 0 if images.dtype == np.uint8 else -1.0  # the top half black
    figure = viz.show_digits(images, ncols=1)
    shown = figure.get_axes()[0].images[0]
    drawn = shown.to_rgba(shown.get_array())[..., :3]  # the colours on the screen, white = 1
    assert drawn[20, 5].tolist() == [1.0, 1.0, 1.0] and drawn[5, 5].tolist() == [0.0, 0.0, 0.0]
    plt.close(figure)


def test_show_digits_checks_captions_and_shape():
    with pytest.raises(ValueError, match="2 captions for 3 images"):
        viz.show_digits(np.zeros((3, 28, 28), np.uint8), captions=[1, 2])
    with pytest.raises(ValueError, match=r"shape \(784,\)"):
        viz.show_digits(np.zeros(784, np.uint8))


def test_show_digits_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="ncols must be >= 1 and scale > 0"):
        viz.show_digits(np.zeros((2, 28, 28)), ncols=0)
    with pytest.raises(ValueError, match=r"images contain NaN or infinite pixels in 2 image\(s\)"):
        viz.show_digits(np.full((2, 28, 28), np.nan))

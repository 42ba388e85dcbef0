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


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_seed_everything_refuses_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        backend.seed_everything(seed)


def test_show_digits_draws_a_grid_with_captions():
    images = np.zeros((12, 28, 28), np.uint8)
    figure = viz.show_digits(images, captions=list(range(12)), ncols=5)
    axes = figure.get_axes()
    assert len(axes) == 15 and sum(bool(axis.images) for axis in axes) == 12
    assert axes[11].get_title() == "11"
    plt.close(figure)


def test_show_digits_maps_gan_range_to_unit_range():
    figure = viz.show_digits(np.full((1, 28, 28, 1), -1.0, np.float32), ncols=1)
    assert figure.get_axes()[0].images[0].get_array().max() == 0.0
    plt.close(figure)


def test_show_digits_checks_captions_and_shape():
    with pytest.raises(ValueError, match="2 captions for 3 images"):
        viz.show_digits(np.zeros((3, 28, 28), np.uint8), captions=[1, 2])
    with pytest.raises(ValueError, match=r"shape \(784,\)"):
        viz.show_digits(np.zeros(784, np.uint8))


def test_show_digits_and_the_sample_grid_refuse_what_they_cannot_draw():
    from mnistgan_lib.core import viz
    from mnistgan_lib.running import callbacks

    with pytest.raises(ValueError, match="ncols must be >= 1 and scale > 0"):
        viz.show_digits(np.zeros((2, 28, 28)), ncols=0)
    with pytest.raises(ValueError, match="images must be a non-empty stack without NaN"):
        viz.show_digits(np.full((2, 28, 28), np.nan))
    with pytest.raises(ValueError, match="columns must be a positive number of images per row"):
        callbacks.grid_image(np.zeros((2, 28, 28, 1)), columns=0)
    with pytest.raises(ValueError, match="images contain NaN or infinite pixels in 2 image"):
        callbacks.grid_image(np.full((2, 28, 28, 1), np.nan))

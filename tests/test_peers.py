"""The benchmark's peers: the keras-io recipes, rebuilt, train in the course's engine."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tiny_run

from mnistgan_lib.core.backend import tf
from mnistgan_lib.gans import peers, presets
from mnistgan_lib.gans.stabilization import Stabilization
from mnistgan_lib.running import training


def parameters(model) -> tuple[int, int]:
    """Total and trainable parameters, as Keras's summary counts them."""
    total = sum(int(np.prod(w.shape)) for w in model.weights)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return total, trainable


def test_the_wgan_gp_networks_have_the_keras_io_examples_parameter_counts():
    # The counts its summaries print: critic 4,305,409; generator 910,660 (902,082 trainable).
    assert parameters(peers.build_wgan_gp_critic()) == (4_305_409, 4_305_409)
    assert parameters(peers.build_wgan_gp_generator()) == (910_660, 902_082)


def test_the_cgan_networks_have_the_parameters_of_the_keras_io_layers():
    # Dense 138 -> 7*7*138, transposes 138 -> 128 and 128 -> 128 (4x4), a 7x7 conv to 1.
    generator = (138 + 1) * 7 * 7 * 138 + (16 * 138 * 128 + 128) + (16 * 128 * 128 + 128)
    generator += 49 * 128 + 1
    assert parameters(peers.build_cgan_generator()) == (generator, generator)
    # Two 3x3 strided convolutions from 1 + 10 channels, and the logit.
    discriminator = (9 * 11 * 64 + 64) + (9 * 64 * 128 + 128) + (128 + 1)
    assert parameters(peers.build_cgan_discriminator()) == (discriminator, discriminator)


def test_label_maps_hold_the_image_in_0_1_and_the_one_hot_code_at_every_pixel():
    images = tf.constant(np.linspace(-1, 1, 2 * 28 * 28).reshape(2, 28, 28, 1), tf.float32)
    stacked = np.asarray(peers.with_label_maps(images, [3, 7]))
    assert stacked.shape == (2, 28, 28, 11)
    np.testing.assert_allclose(stacked[..., 0], (np.asarray(images)[..., 0] + 1) / 2)
    for row, digit in enumerate((3, 7)):
        expected = np.zeros(10)
        expected[digit] = 1
        assert np.all(stacked[row, :, :, 1:] == expected)


def test_the_cgan_trains_on_labelled_digits_and_draws_the_digits_asked_for(tiny_data, tmp_path):
    gan = training.train(tiny_run("cgan-keras-io"), tmp_path / "run")
    history = training.read_run(tmp_path / "run").history
    assert len(history) == 1 and np.isfinite(history[0]["d_loss"])
    images, labels = gan.samples_to_measure(20)
    assert images.shape == (20, 28, 28, 1) and labels.tolist() == list(range(10)) * 2
    assert images.min() >= -1 and images.max() <= 1


def test_the_cgan_refuses_the_stabilization_options():
    with pytest.raises(ValueError, match="runs its own recipe only"):
        presets.build_gan("cgan-keras-io", stabilization=Stabilization(real_labels=0.9))


def test_the_keras_io_wgan_gp_recipe_is_three_critic_steps_at_batch_512():
    preset = presets.get_preset("wgan-gp-keras-io")
    gan = presets.build_gan(preset)
    optimizer = gan.d_optimizer
    assert (gan.critic_steps, gan.gp_weight, gan.clip_value) == (3, 10.0, None)
    assert (preset.batch_size, preset.latent_dim) == (512, 128)
    assert (float(optimizer.learning_rate), optimizer.beta_1, optimizer.beta_2) == pytest.approx(
        (2e-4, 0.5, 0.9)
    )

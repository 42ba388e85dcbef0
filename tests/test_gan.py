"""The GAN engine: presets build the networks they promise, and a training step trains."""

from __future__ import annotations

import numpy as np
import pytest

from mnistgan_lib.core.backend import keras, seed_everything, tf
from mnistgan_lib.gans import gan, peers, presets


@pytest.mark.parametrize("name", list(presets.PRESETS))
def test_every_preset_maps_noise_to_digits_and_digits_to_a_source_logit(name):
    preset = presets.get_preset(name)
    generator, discriminator = (
        preset.build_generator(preset.latent_dim),
        preset.build_discriminator(),
    )
    noise = gan.sample_noise((3, preset.latent_dim), preset.noise, seed=0)
    images = generator(
        [noise, tf.constant([0, 5, 9])] if preset.conditional else noise, training=False
    )
    assert images.shape == (3, 28, 28, 1)
    assert float(tf.reduce_min(images)) >= -1.0 and float(tf.reduce_max(images)) <= 1.0
    if preset.gan_class is peers.ConditionalGAN:  # D reads the label as image channels
        images = peers.with_label_maps(images, [0, 5, 9])
    outputs = discriminator(images, training=False)
    # Two-head discriminators (AC-GAN, self-conditioned) add class logits after the source logit.
    assert (outputs[0] if isinstance(outputs, (list, tuple)) else outputs).shape == (3, 1)


def test_the_conditional_flag_follows_the_gan_class():
    assert [name for name, preset in presets.PRESETS.items() if preset.conditional] == [
        "acgan",
        "acgan-paper",
        "cgan-keras-io",
    ]


def test_build_gan_seeds_nothing_so_the_entry_point_decides():
    seed_everything(3)
    first = presets.build_gan("dcgan-unclustered").generator.get_weights()
    second = presets.build_gan("dcgan-unclustered").generator.get_weights()
    seed_everything(3)
    again = presets.build_gan("dcgan-unclustered").generator.get_weights()
    assert not all(np.array_equal(a, b) for a, b in zip(first, second))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))


@pytest.mark.parametrize("label", [-1, 10, 2.5, True])
def test_requested_labels_are_balanced_or_one_digit(label):
    assert gan.requested_labels(12).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert gan.requested_labels(3, 7).tolist() == [7, 7, 7]
    with pytest.raises(ValueError, match="label must be a digit class from 0 to 9"):
        gan.requested_labels(3, label)


def test_an_unconditional_gan_refuses_labels_and_a_conditional_one_draws_them_in_turn():
    with pytest.raises(ValueError, match="this GAN is unconditional and cannot draw chosen digits"):
        presets.build_gan("dcgan-unclustered").generate(3, labels=[1, 2, 3])
    images, labels = presets.build_gan("acgan").samples_to_measure(12)
    assert images.shape == (12, 28, 28, 1) and labels.tolist() == [
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        0,
        1,
    ]


def test_source_designs_follow_their_descriptions():
    source = presets.get_preset("dcgan-source")
    assert source.latent_dim == 256 and source.noise == "uniform"
    layers = source.build_generator(256).layers
    assert sum(isinstance(layer, keras.layers.Conv2DTranspose) for layer in layers) == 4
    assert {
        layer.negative_slope for layer in layers if isinstance(layer, keras.layers.LeakyReLU)
    } == {0.1}
    paper = presets.get_preset("dcgan-paper")
    assert paper.batch_size == 32 and paper.latent_dim == 100
    optimizer = paper.make_optimizer()
    assert float(optimizer.learning_rate) == pytest.approx(3e-4) and optimizer.beta_1 == 0.5
    kernel = paper.build_generator(100).layers[1].kernel.numpy()
    assert abs(kernel.std() - 0.02) < 0.002  # N(0, 0.02) initial weights


def test_uniform_noise_lies_in_minus_one_to_one():
    values = gan.sample_noise((1000, 8), "uniform", seed=3).numpy()
    assert values.min() >= -1 and values.max() <= 1 and abs(values.mean()) < 0.05
    with pytest.raises(ValueError, match="noise must be one of normal, uniform"):
        gan.sample_noise((1, 1), "cauchy", seed=0)


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(
        ValueError,
        match=(
            r"unknown model 'dcgan-huge'; "
            r"choose one of dcgan, dcgan-unclustered, dcgan-10-clusters"
        ),
    ):
        presets.get_preset("dcgan-huge")


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"noise": "laplace"}, "noise must be one of"),
        ({"generator_loss": "hinge"}, "generator_loss must be one of"),
        ({"ema_decay": 1.0}, r"ema_decay must lie in \(0, 1\)"),
    ],
)
def test_gan_refuses_bad_settings(bad, message):
    preset = presets.get_preset("dcgan-unclustered")
    with pytest.raises(ValueError, match=message):
        gan.GAN(preset.build_generator(64), preset.build_discriminator(), 64, **bad)


def test_fit_trains_both_networks_and_logs_losses_and_accuracies():
    model = presets.build_gan("dcgan-unclustered", seed=0)
    generator_before = [w.copy() for w in model.generator.get_weights()]
    discriminator_before = [w.copy() for w in model.discriminator.get_weights()]
    ema_before = [w.copy() for w in model.ema_generator.get_weights()]
    real = np.random.default_rng(0).uniform(-1, 1, size=(128, 28, 28, 1)).astype("float32")
    history = model.fit(
        tf.data.Dataset.from_tensor_slices(real).batch(64), epochs=1, verbose=0, shuffle=False
    )
    assert set(history.history) == {"d_loss", "g_loss", "d_acc_real", "d_acc_fake"}
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    assert 0 <= history.history["d_acc_real"][-1] <= 1
    for before, network in [
        (generator_before, model.generator),
        (discriminator_before, model.discriminator),
        (ema_before, model.ema_generator),
    ]:
        assert any(not np.allclose(a, b) for a, b in zip(before, network.get_weights()))
    assert int(model.g_optimizer.iterations) == 2 and int(model.d_optimizer.iterations) == 2


def test_generate_is_repeatable_for_a_seed_and_differs_between_seeds():
    model = presets.build_gan("dcgan", seed=0)
    a, b, c = model.generate(5, seed=1), model.generate(5, seed=1), model.generate(5, seed=2)
    assert a.shape == (5, 28, 28, 1) and np.array_equal(a, b) and not np.allclose(a, c)
    with pytest.raises(ValueError, match="count must be a positive number"):
        model.generate(0)


def test_the_presets_command_lists_every_preset_default_first_in_aligned_columns(capsys):
    from mnistgan_lib.running import cli

    cli.main(["presets"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(presets.PRESETS)
    assert lines[0].startswith("dcgan ") and "self-conditioned" in lines[0]
    assert (
        len({line.index(preset.summary) for line, preset in zip(lines, presets.PRESETS.values())})
        == 1
    )

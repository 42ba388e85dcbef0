"""Label smoothing, noisy labels and instance noise.

Their checks, their statistics, and their path through training.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import tiny_run

from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.foundations import losses
from mnistgan_lib.gans import presets
from mnistgan_lib.gans.stabilization import NONE, Stabilization
from mnistgan_lib.running import cli, training


@pytest.mark.parametrize(
    "settings, message",
    [
        (
            {"real_labels": (0.9, 1.1)},
            r"real_labels \(0.9, 1.1\) asks for targets above 1: binary cross-entropy with "
            r"a target y > 1 has no minimum .* targets_above_one=True",
        ),
        ({"real_labels": (1.0, 0.9)}, "0 <= low <= high <= 1"),
        ({"real_labels": -0.1}, "real_labels must be a range"),
        (
            {"real_labels": (0.9, 0.95, 1.0)},
            r"real_labels must be a number or a \(low, high\) pair",
        ),
        ({"flip_probability": 1.5}, r"flip_probability must be a probability in \[0, 1\], got 1.5"),
        ({"flip_probability": float("nan")}, "flip_probability must be a probability"),
        (
            {"instance_noise": -0.1},
            "instance_noise must be a finite standard deviation >= 0, got -0.1",
        ),
        ({"instance_noise": float("inf")}, "instance_noise must be a finite standard deviation"),
        ({"anneal_steps": -1}, "anneal_steps must be 0"),
    ],
)
def test_invalid_settings_are_refused_with_the_fix(settings, message):
    with pytest.raises(ValueError, match=message):
        Stabilization(**settings)


def test_a_single_number_means_fixed_smoothing_and_describe_names_the_techniques():
    assert Stabilization(real_labels=0.9).real_labels == (0.9, 0.9)
    assert not NONE.active and NONE.describe() == "none"
    combined = Stabilization(real_labels=(0.9, 1.0), flip_probability=0.05, instance_noise=0.1)
    assert (
        combined.active
        and combined.describe() == "smooth [0.9, 1] + flip 0.05 + instance noise 0.1"
    )


def targets_for(stabilization, count=20_000):
    logits = tf.zeros((count, 1))
    real, fake = stabilization.targets(logits, logits, keras.random.SeedGenerator(0))
    return np.asarray(real).ravel(), np.asarray(fake).ravel()


def test_one_sided_smoothing_changes_real_targets_only():
    real, fake = targets_for(Stabilization(real_labels=0.9))
    assert np.allclose(real, 0.9) and np.allclose(fake, 0.0)
    real, fake = targets_for(Stabilization(real_labels=(0.8, 1.0)))
    assert (
        0.8 <= real.min()
        and real.max() <= 1.0
        and real.mean() == pytest.approx(0.9, abs=0.005)
        and real.std() > 0.05
    )
    assert np.allclose(fake, 0.0)


def test_noisy_labels_flip_about_p_of_each_side():
    real, fake = targets_for(Stabilization(real_labels=0.9, flip_probability=0.1))
    assert np.mean(real == 0.0) == pytest.approx(0.1, abs=0.01) and np.all(
        np.isclose(real, 0.0) | np.isclose(real, 0.9)
    )
    assert np.mean(np.isclose(fake, 0.9)) == pytest.approx(0.1, abs=0.01) and np.all(
        np.isclose(fake, 0.0) | np.isclose(fake, 0.9)
    )


def test_instance_noise_is_annealed_linearly_to_zero():
    noise = Stabilization(instance_noise=0.2, anneal_steps=100)
    assert [float(noise.noise_scale(step)) for step in (0, 50, 100, 150)] == pytest.approx(
        [0.2, 0.1, 0.0, 0.0]
    )
    images = tf.zeros((500, 28, 28, 1))
    seed = keras.random.SeedGenerator(1)
    assert float(tf.math.reduce_std(noise.perturb(images, 0, seed))) == pytest.approx(0.2, rel=0.02)
    assert float(tf.reduce_max(tf.abs(noise.perturb(images, 100, seed)))) == 0.0
    assert NONE.perturb(images, 0, seed) is images


def test_the_gan_trains_its_discriminator_against_the_smoothed_targets(monkeypatch):
    seen = []
    original = losses.discriminator_loss
    monkeypatch.setattr(
        losses,
        "discriminator_loss",
        lambda real, fake, rt, ft: seen.append((rt, ft)) or original(real, fake, rt, ft),
    )
    model = presets.build_gan(
        "dcgan-unclustered", seed=0, stabilization=Stabilization(real_labels=0.9)
    )
    model.run_eagerly = True
    real = np.random.default_rng(0).uniform(-1, 1, size=(8, 28, 28, 1)).astype("float32")
    model.fit(tf.data.Dataset.from_tensor_slices(real).batch(8), epochs=1, verbose=0, shuffle=False)
    real_target, fake_target = seen[-1]
    assert np.allclose(np.asarray(real_target), 0.9) and np.allclose(np.asarray(fake_target), 0.0)
    with pytest.raises(TypeError, match="stabilization must be a Stabilization, got dict"):
        presets.build_gan("dcgan", stabilization={"real_labels": 0.9})


def test_a_run_records_its_stabilization_and_refuses_to_resume_with_other_settings(
    tiny_data, tmp_path
):
    out = tmp_path / "run"
    training.train(
        tiny_run(
            "dcgan", epochs=1, stabilization=Stabilization(real_labels=0.9, instance_noise=0.1)
        ),
        out,
    )
    recorded = json.loads((out / "run.json").read_text())["stabilization"]
    assert (
        recorded["real_labels"] == [0.9, 0.9] and recorded["anneal_steps"] == 4
    )  # 1 epoch of 256 // 64 steps
    with pytest.raises(ValueError, match="holds another run: the recorded run used stabilization"):
        training.train(tiny_run("dcgan", epochs=1), out)


@pytest.mark.parametrize(
    "option, message",
    [
        (
            ["--flip-labels", "1.5"],
            r"argument --flip-labels: must be a probability in \[0, 1\], got 1.5",
        ),
        (
            ["--real-labels", "1.2"],
            r"real_labels \(1.2, 1.2\) asks for targets above 1: .* no minimum",
        ),
        (["--real-labels", "-0.1"], "argument --real-labels: must be a target >= 0"),
        (
            ["--real-labels", "1.0", "0.9"],
            r"real_labels must be a range \(low, high\) with 0 <= low <= high <= 1",
        ),
        (["--instance-noise", "-1"], "argument --instance-noise: must be a finite number >= 0"),
        (
            ["--anneal-steps", "100"],
            r"--anneal-steps 100 anneals instance noise, but the run has none: add "
            r"--instance-noise STD",
        ),
        (["--instance-noise", "0.2", "--anneal-steps", "-5"], "argument --anneal-steps"),
    ],
)
def test_the_train_command_checks_its_stabilization_options(option, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["train", "dcgan", "--out", str(tmp_path / "run"), *option])
    assert stopped.value.code not in (0, None)
    assert re.search(message, capsys.readouterr().err + str(stopped.value.code))
    assert not (tmp_path / "run").exists()  # refused before any work


def test_targets_above_one_need_the_opt_in_and_then_reach_the_loss():
    source = Stabilization(real_labels=(0.9, 1.1), targets_above_one=True)
    assert source.active and source.describe() == "smooth [0.9, 1.1]"
    logits = tf.zeros((20_000, 1))
    real, _ = source.targets(logits, logits, keras.random.SeedGenerator(0))
    real = np.asarray(real)
    assert real.max() > 1.05 and real.min() < 0.95 and abs(real.mean() - 1.0) < 0.01
    # Above 1 the loss keeps falling as the real logit grows: no minimum.
    above_one = tf.fill((1, 1), 1.1)  # a tensor, as in training (plain numbers are checked)
    grows = [
        float(losses.discriminator_loss(tf.fill((1, 1), z), tf.fill((1, 1), -9.0), above_one, 0.0))
        for z in (5.0, 10.0, 20.0)
    ]
    assert grows[0] > grows[1] > grows[2]
    assert Stabilization.from_dict(source.as_dict()) == source


def test_augmentation_is_switched_on_by_its_flag_and_reaches_both_networks(monkeypatch):
    from mnistgan_lib.gans import stabilization

    augmented = Stabilization(augment=True)
    assert augmented.active and augmented.describe() == "DiffAugment"
    assert Stabilization.from_dict(augmented.as_dict()) == augmented
    assert (
        Stabilization.from_dict(
            {
                "real_labels": [0.9, 0.9],
                "flip_probability": 0.0,
                "instance_noise": 0.0,
                "anneal_steps": 0,
            }
        ).augment
        is False
    )
    calls = []
    original = stabilization.diff_augment
    monkeypatch.setattr(
        stabilization,
        "diff_augment",
        lambda images, seed: calls.append(1) or original(images, seed),
    )
    model = presets.build_gan("dcgan-small", seed=0, stabilization=augmented)
    model.run_eagerly = True
    real = np.random.default_rng(0).uniform(-1, 1, size=(8, 28, 28, 1)).astype("float32")
    model.fit(tf.data.Dataset.from_tensor_slices(real).batch(8), epochs=1, verbose=0, shuffle=False)
    assert len(calls) == 3  # the real and the fake batch of D's step, and G's fake batch


def test_the_train_command_takes_augment_and_the_opt_in(tmp_path):
    arguments = cli.parser().parse_args(
        [
            "train",
            "dcgan-small",
            "--augment",
            "--real-labels",
            "0.9",
            "1.1",
            "--targets-above-one",
            "--train-images",
            "1000",
            "--passes",
            "8",
        ]
    )
    config = cli.run_config(arguments)
    assert config.stabilization == Stabilization(
        real_labels=(0.9, 1.1), augment=True, targets_above_one=True
    )
    assert config.passes == 8
    assert config.command("out").endswith(
        "--real-labels 0.9 1.1 --augment --targets-above-one --out out"
    )
    assert "--train-images 1000 --passes 8" in config.command("out")

"""The AC-GAN: a conditional generator, a two-head discriminator, and a training step.

The training step uses both heads.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import evaluate_like_the_card, needs_real_mnist, tiny_run

from mnistgan_lib.core import widgets
from mnistgan_lib.core.backend import tf
from mnistgan_lib.gans import acgan, gan, presets
from mnistgan_lib.gans.stabilization import Stabilization
from mnistgan_lib.running import callbacks, sampling, training
from mnistgan_lib.running.runs import read_history, read_jsonl


def striped_batches(count: int = 64, seed: int = 0):
    """A synthetic labelled problem.

    Class k is a bright horizontal band at rows 2k..2k+3, on noise.
    """
    rng = np.random.default_rng(seed)
    labels = (np.arange(count) % 10).astype("int32")
    images = rng.uniform(-1, -0.6, size=(count, 28, 28, 1)).astype("float32")
    for index, label in enumerate(labels):
        images[index, 2 * label + 2 : 2 * label + 6] = 1.0
    return tf.data.Dataset.from_tensors((images, labels)).repeat()


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def test_generator_takes_noise_and_label_and_discriminator_has_two_heads():
    preset = presets.get_preset("acgan")
    assert preset.conditional and preset.gan_class is acgan.ACGAN
    generator, discriminator = (
        preset.build_generator(preset.latent_dim),
        preset.build_discriminator(),
    )
    images = generator(
        [gan.sample_noise((3, preset.latent_dim), "normal", seed=0), tf.constant([0, 4, 9])],
        training=False,
    )
    assert (
        images.shape == (3, 28, 28, 1)
        and -1 <= float(tf.reduce_min(images)) <= float(tf.reduce_max(images)) <= 1
    )
    source, classes = discriminator(images, training=False)
    assert source.shape == (3, 1) and classes.shape == (3, 10)


def test_the_label_changes_the_digit_for_the_same_noise():
    model = presets.build_gan("acgan", seed=0)
    same_noise = model.generate(10, seed=5, labels=np.zeros(10, int))
    asked_for_each = model.generate(10, seed=5, labels=np.arange(10))
    assert np.abs(same_noise[1:] - asked_for_each[1:]).max() > 1e-3
    np.testing.assert_array_equal(same_noise[0], asked_for_each[0])


def test_generate_defaults_to_one_digit_per_column_and_measures_balanced_labels():
    model = presets.build_gan("acgan", seed=0)
    np.testing.assert_array_equal(
        model.generate(20, seed=1), model.generate(20, seed=1, labels=np.arange(20) % 10)
    )
    images, labels = model.samples_to_measure(30, seed=0)
    assert images.shape == (30, 28, 28, 1) and np.bincount(labels).tolist() == [3] * 10


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.zeros(4, int), r"labels must be 3 integers \(one per sample\), got shape \(4,\)"),
        (np.array([0.0, 1.0, 2.0]), "labels must be 3 integers .* dtype float64"),
        (np.array([0, 10, 2]), r"labels must lie in 0..9, found 0..10"),
        (np.array([-1, 1, 2]), r"labels must lie in 0..9, found -1..2"),
    ],
)
def test_bad_labels_are_refused_with_what_would_be_right(labels, message):
    with pytest.raises(ValueError, match=message):
        presets.build_gan("acgan", seed=0).generate(3, labels=labels)


@pytest.mark.parametrize("option", ["class_weight", "fake_class_weight"])
def test_a_negative_class_weight_is_refused(option):
    preset = presets.get_preset("acgan")
    with pytest.raises(ValueError, match=f"{option} must be a number >= 0 .*got -1"):
        acgan.ACGAN(preset.build_generator(8), preset.build_discriminator(), 8, **{option: -1})


@pytest.mark.parametrize("name, counts_fakes", [("acgan", False), ("acgan-paper", True)])
def test_the_default_teaches_the_class_head_on_real_digits_only(name, counts_fakes):
    model = presets.build_gan(name, seed=0)
    images, labels = next(iter(striped_batches()))
    on_real = float(acgan.class_loss(labels, model.discriminator(images, training=False)[1]))
    logged = model.fit(
        striped_batches(), epochs=1, steps_per_epoch=1, verbose=0, shuffle=False
    ).history["d_class_loss"][0]
    # The logged loss is computed before the update: real digits' term alone, or plus the
    # fakes' (about log 10 more).
    assert (logged > on_real + 1.0) if counts_fakes else logged == pytest.approx(on_real, rel=1e-5)


def test_a_train_step_changes_both_networks_and_logs_both_heads():
    model = presets.build_gan("acgan", seed=0)
    generator, discriminator = weights_of(model.generator), weights_of(model.discriminator)
    history = model.fit(
        striped_batches(), epochs=1, steps_per_epoch=2, verbose=0, shuffle=False
    ).history
    assert set(history) == set(acgan.ACGAN.TRACKED)
    assert all(np.isfinite(values[-1]) for values in history.values())
    assert any(np.abs(a - b).max() > 0 for a, b in zip(generator, weights_of(model.generator)))
    assert any(
        np.abs(a - b).max() > 0 for a, b in zip(discriminator, weights_of(model.discriminator))
    )


def test_the_class_term_is_what_trains_the_class_head():
    def class_head_after(class_weight: float):
        preset = dataclasses.replace(
            presets.get_preset("acgan"), gan_options={"class_weight": class_weight}
        )
        model = presets.build_gan(preset, seed=0)
        before = weights_of(model.discriminator.get_layer("class"))
        history = model.fit(
            striped_batches(), epochs=1, steps_per_epoch=30, verbose=0, shuffle=False
        ).history
        return before, weights_of(model.discriminator.get_layer("class")), history

    before, after, _ = class_head_after(0.0)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(
            a, b
        )  # without the class term no gradient reaches the class head
    before, after, history = class_head_after(1.0)
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, after))
    # Ten separable classes: chance is 10%; the head learns them within 30 steps.
    assert history["d_class_acc_real"][-1] > 0.5
    assert history["d_class_loss"][-1] < 2 * np.log(10)


def test_the_source_term_goes_through_the_stabilization_hooks(tiny_data, tmp_path, monkeypatch):
    seen = []
    original = gan.GAN.real_and_fake_targets

    def spy(self, real, fake):
        seen.append(self.stabilization.describe())
        return original(self, real, fake)

    monkeypatch.setattr(gan.GAN, "real_and_fake_targets", spy)
    training.train(
        tiny_run("acgan", epochs=1, stabilization=Stabilization(real_labels=0.9)),
        tmp_path / "smooth",
    )
    assert seen and set(seen) == {"smooth 0.9"}
    monkeypatch.setattr(gan.GAN, "discriminator_view", lambda self, images: images * float("nan"))
    with pytest.raises(callbacks.TrainingDiverged, match="became nan"):
        training.train(tiny_run("acgan", epochs=1), tmp_path / "viewed")


def test_train_acgan_writes_both_heads_history_and_resumes_exactly(tiny_data, tmp_path):
    straight = training.train(tiny_run("acgan", epochs=2, eval_every=2), tmp_path / "straight")
    training.train(tiny_run("acgan", epochs=1), tmp_path / "stopped")
    resumed = training.train(tiny_run("acgan", epochs=2), tmp_path / "stopped")
    for a, b in zip(weights_of(straight.ema_generator), weights_of(resumed.ema_generator)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    rows = read_history(tmp_path / "straight" / "history.csv")
    assert [row["epoch"] for row in rows] == [1, 2] and set(acgan.ACGAN.TRACKED) <= set(rows[0])
    resumed_rows = read_history(tmp_path / "stopped" / "history.csv")
    assert [r["d_class_loss"] for r in rows] == pytest.approx(
        [r["d_class_loss"] for r in resumed_rows], rel=1e-5
    )
    report = read_jsonl(tmp_path / "straight" / "metrics.jsonl")[-1]
    assert report["epoch"] == 2 and 0 <= report["conditional_accuracy"] <= 1
    assert json.loads((tmp_path / "straight" / "run.json").read_text())["model"] == "acgan"


def test_sampling_a_run_draws_the_requested_digit(tiny_data, tmp_path):
    training.train(tiny_run("acgan", epochs=1), tmp_path / "run")
    samples, labels = sampling.sample_model(str(tmp_path / "run"), n=12, seed=0, label=3)
    assert samples.shape == (12, 28, 28) and labels.tolist() == [3] * 12
    _, balanced = sampling.sample_model(str(tmp_path / "run"), n=20, seed=0)
    assert balanced.tolist() == list(range(10)) * 2
    discriminator = sampling.load_discriminator(str(tmp_path / "run"))
    assert [tuple(output.shape) for output in discriminator.outputs] == [(None, 1), (None, 10)]


def run_cli(*arguments, env):
    return subprocess.run(
        [sys.executable, "-m", "mnistgan_lib", *arguments], capture_output=True, text=True, env=env
    )


def test_sample_command_draws_a_chosen_digit_and_refuses_a_bad_one(tiny_data, tmp_path):
    # A profile the command line knows: the command reads the run's run.json in a new process.
    training.train(tiny_run("acgan", epochs=1, profile="quick"), tmp_path / "run")
    env = dict(os.environ, MNISTGAN_DATA=str(tiny_data), MNISTGAN_PROFILE="quick")
    out = tmp_path / "sevens.npy"
    drawn = run_cli(
        "sample",
        "--model",
        str(tmp_path / "run"),
        "--label",
        "7",
        "--n",
        "5",
        "--out",
        str(out),
        env=env,
    )
    assert drawn.returncode == 0, drawn.stderr[-2000:]
    assert "saved 5 samples of digit 7" in drawn.stdout and np.load(out).shape == (5, 28, 28)
    bad = run_cli(
        "sample", "--model", str(tmp_path / "run"), "--label", "12", "--out", str(out), env=env
    )
    assert (
        bad.returncode != 0
        and "argument --label: must be a digit from 0 to 9, got 12" in bad.stderr
    )


def test_per_class_quality_scores_each_requested_digit():
    rng = np.random.default_rng(0)
    requested = np.arange(200) % 10
    features = rng.normal(size=(200, 3)) + requested[:, None]  # class k's features sit around k
    predicted = np.where(requested == 4, 5, requested)  # every requested 4 is judged a 5
    probabilities = np.eye(10)[predicted]
    reference_labels = np.arange(300) % 10
    reference = rng.normal(size=(300, 3)) + reference_labels[:, None]
    rows = acgan.per_class_quality(probabilities, features, requested, reference, reference_labels)
    assert [row["digit"] for row in rows] == list(range(10))
    assert rows[4]["agreement"] == 0 and rows[5]["judged_share"] == pytest.approx(0.2)
    assert all(row["agreement"] == 1 for row in rows if row["digit"] != 4)
    shifted = acgan.per_class_quality(
        probabilities, features + 3, requested, reference, reference_labels
    )
    assert all(far["fd_mnist"] > near["fd_mnist"] + 20 for far, near in zip(shifted, rows))
    with pytest.raises(ValueError, match="class 9 needs at least 2 samples"):
        acgan.per_class_quality(
            probabilities[:19], features[:19], requested[:19], reference, reference_labels
        )


def test_the_explorer_redraws_when_the_digit_changes():
    preset = presets.get_preset("acgan")
    explorer = widgets.latent_explorer(
        preset.build_generator(preset.latent_dim), preset.latent_dim, conditional=True
    )
    controls, picture = explorer.children
    digit = controls.children[0]
    before = picture.value
    digit.value = 8
    assert picture.value != before and picture.value[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="coordinates must be between 1 and latent_dim=64, got 65"):
        widgets.latent_explorer(
            preset.build_generator(preset.latent_dim),
            preset.latent_dim,
            coordinates=65,
            conditional=True,
        )


@needs_real_mnist
def test_evaluate_acgan_reproduces_the_shipped_card_and_meets_the_target():
    measured, card = evaluate_like_the_card("acgan", ("conditional_accuracy",))
    assert (
        card["preset"] == "acgan"
        and measured["samples"] == 10_000
        and measured["conditional_accuracy"] >= 0.97
    )

"""Training runs on a tiny synthetic MNIST: records per epoch, exact resumption, divergence, the commands."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import TINY
from mnistgan_lib.core import config
from mnistgan_lib.gans import gan
from mnistgan_lib.running import callbacks, sampling, training


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def test_a_run_leaves_samples_history_and_checkpoints(tiny_data, tmp_path):
    out = tmp_path / "run"
    training.train("dcgan", out, profile=TINY, epochs=2)
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["epoch_001.png", "epoch_002.png"]
    assert (out / "samples.gif").exists()
    rows = callbacks.read_history(out / "history.csv")
    assert [row["epoch"] for row in rows] == [1, 2] and rows[1]["seconds"] > rows[0]["seconds"] > 0
    assert json.loads((out / "checkpoints" / "latest.json").read_text())["epoch"] == 2
    assert json.loads((out / "run.json").read_text())["model"] == "dcgan"


def test_stopping_and_resuming_gives_the_same_weights_as_one_run(tiny_data, tmp_path):
    straight = training.train("dcgan", tmp_path / "straight", profile=TINY, epochs=2)
    training.train("dcgan", tmp_path / "stopped", profile=TINY, epochs=1)
    resumed = training.train("dcgan", tmp_path / "stopped", profile=TINY, epochs=2)
    for a, b in zip(weights_of(straight.generator), weights_of(resumed.generator)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(straight.g_optimizer.variables, resumed.g_optimizer.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    straight_rows = callbacks.read_history(tmp_path / "straight" / "history.csv")
    resumed_rows = callbacks.read_history(tmp_path / "stopped" / "history.csv")
    assert [r["g_loss"] for r in straight_rows] == pytest.approx([r["g_loss"] for r in resumed_rows], rel=1e-5)


def test_records_of_an_epoch_cut_short_are_dropped_on_resume(tiny_data, tmp_path):
    out = tmp_path / "run"
    training.train("dcgan", out, profile=TINY, epochs=1)
    rows = callbacks.read_history(out / "history.csv")
    # As if epoch 2 wrote its history row and then the process died before its checkpoint.
    callbacks.write_history(out / "history.csv", rows + [{**rows[0], "epoch": 2}])
    training.train("dcgan", out, profile=TINY, epochs=2)
    assert [row["epoch"] for row in callbacks.read_history(out / "history.csv")] == [1, 2]


def test_a_folder_of_another_run_is_refused(tiny_data, tmp_path):
    training.train("dcgan", tmp_path / "run", profile=TINY, epochs=1)
    with pytest.raises(ValueError, match=r"holds a run with model='dcgan', not 'dcgan-compact'.*another --out"):
        training.train("dcgan-compact", tmp_path / "run", profile=TINY, epochs=1)


def test_divergence_stops_with_the_step_and_keeps_the_last_good_checkpoint(tiny_data, tmp_path, monkeypatch):
    out = tmp_path / "run"
    training.train("dcgan", out, profile=TINY, epochs=1)
    # A NaN target poisons the discriminator's loss on the first step of epoch 2 (step 5: 4 steps an epoch).
    monkeypatch.setattr(gan.GAN, "real_and_fake_targets", lambda self, real, fake: (float("nan"), 0.0))
    with pytest.raises(callbacks.TrainingDiverged, match=r"d_loss became nan at step 5 \(epoch 2\); .*last good checkpoint was kept"):
        training.train("dcgan", out, profile=TINY, epochs=2)
    assert json.loads((out / "checkpoints" / "latest.json").read_text())["epoch"] == 1
    assert [row["epoch"] for row in callbacks.read_history(out / "history.csv")] == [1]


def test_sampling_a_run_folder(tiny_data, tmp_path):
    training.train("dcgan", tmp_path / "run", profile=TINY, epochs=1)
    samples, labels = sampling.sample_model(str(tmp_path / "run"), n=7, seed=3)
    assert samples.shape == (7, 28, 28) and labels is None and samples.min() >= -1
    with pytest.raises(ValueError, match=r"unknown model 'nothing-here': give a shipped generator"):
        sampling.load_generator("nothing-here")
    with pytest.raises(ValueError, match="is unconditional and cannot draw a chosen digit"):
        sampling.sample_model(str(tmp_path / "run"), n=7, label=3)


@pytest.mark.parametrize("label", [10, -1, 2.5, True])
def test_requested_labels_are_balanced_or_one_digit(label):
    assert sampling.requested_labels(12).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert sampling.requested_labels(3, 7).tolist() == [7, 7, 7]
    with pytest.raises(ValueError, match="label must be a digit class from 0 to 9"):
        sampling.requested_labels(3, label)


def test_a_run_folder_reads_back_and_its_command_rebuilds_it(tiny_data, tmp_path):
    from mnistgan_lib.gans.stabilization import Stabilization

    smooth = Stabilization(real_labels=(0.8, 1.0), flip_probability=0.1)
    training.train("dcgan", tmp_path / "run", profile=TINY, epochs=1, eval_every=1, stabilization=smooth)
    run = training.read_run(tmp_path / "run")
    assert [row["epoch"] for row in run["history"]] == [1] and run["reports"][0]["epoch"] == 1
    assert Stabilization.from_dict(run["settings"]["stabilization"]) == smooth
    assert training.train_command(run["settings"], 1, "runs/x") == (
        "python -m mnistgan_lib train dcgan --profile tiny --epochs 1 --seed 0 --eval-every 1 "
        "--real-labels 0.8 1 --flip-labels 0.1 --out runs/x"
    )
    with pytest.raises(ValueError, match="is not a training run folder \\(it has no run.json\\)"):
        training.read_run(tmp_path)
    with pytest.raises(ValueError, match="no recorded experiment 'nope'"):
        training.recorded_runs("nope")


def test_history_has_a_column_per_logged_metric_and_generated_labels_are_checked(tmp_path):
    from mnistgan_lib.core.backend import keras

    rows = [{"epoch": 1, "seconds": 2.0, "critic_loss": -0.5, "wasserstein": 1.25}]
    callbacks.write_history(tmp_path / "history.csv", rows)
    assert callbacks.read_history(tmp_path / "history.csv") == rows
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(784), keras.layers.Reshape((28, 28, 1))])
    with pytest.raises(ValueError, match=r"labels must hold one class per image, shape \(3,\), got shape \(2,\)"):
        gan.generate_images(generator, 4, "normal", 3, labels=[1, 2])


def test_export_ships_generator_and_discriminator_with_cards(tiny_data, tmp_path, monkeypatch):
    from mnistgan_lib.core import pretrained
    from mnistgan_lib.running import cli

    training.train("dcgan", tmp_path / "run", profile=TINY, epochs=1, eval_every=1)
    monkeypatch.setattr(pretrained, "WEIGHTS_DIR", tmp_path / "weights")
    cli.main(["export", str(tmp_path / "run"), "--name", "mine"])
    card = pretrained.read_card("mine")
    assert card["role"] == "generator" and card["preset"] == "dcgan" and card["metrics"]["samples"] == 10_000
    assert card["command"].startswith("python -m mnistgan_lib train dcgan --profile tiny --epochs 1 --seed 0")
    assert [row["epoch"] for row in card["history"]] == [1] and "fd_mnist" in card["history"][0]
    assert pretrained.read_card("mine-discriminator")["role"] == "discriminator"
    shipped, _ = sampling.sample_model("mine", n=3)
    from_run, _ = sampling.sample_model(str(tmp_path / "run"), n=3)
    np.testing.assert_allclose(shipped, from_run, atol=1e-6)
    assert sampling.load_discriminator("mine").count_params() == sampling.load_discriminator(str(tmp_path / "run")).count_params()


def run_cli(*arguments, env=None):
    return subprocess.run([sys.executable, "-m", "mnistgan_lib", *arguments], capture_output=True, text=True, env=env)


def test_train_and_sample_commands(tiny_data, tmp_path):
    import os

    env = dict(os.environ, MNISTGAN_DATA=str(tiny_data), MNISTGAN_PROFILE="quick")
    out = tmp_path / "cli-run"
    trained = run_cli("train", "dcgan", "--epochs", "1", "--out", str(out), env=env)
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert (out / "samples" / "epoch_001.png").exists()
    drawn = run_cli("sample", "--model", str(out), "--n", "12", "--out", str(tmp_path / "s.npy"), env=env)
    assert drawn.returncode == 0, drawn.stderr[-2000:]
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (12, 28, 28) and samples.dtype == np.float32
    unknown = run_cli("sample", "--model", "nope", "--out", str(tmp_path / "x.npy"), env=env)
    assert unknown.returncode != 0 and "unknown model 'nope'" in unknown.stderr

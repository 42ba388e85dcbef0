"""Training runs on a tiny synthetic MNIST: records per epoch, exact resumption, divergence,
the commands."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import tiny_run

from mnistgan_lib.gans import gan
from mnistgan_lib.gans.selfcond import SelfConditionedGAN
from mnistgan_lib.gans.stabilization import Stabilization
from mnistgan_lib.running import callbacks, runs, sampling, training
from mnistgan_lib.running.runs import RunConfig, RunFolder


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def test_a_run_leaves_samples_history_and_checkpoints(tiny_data, tmp_path):
    folder = RunFolder(tmp_path / "run")
    training.train(tiny_run(epochs=2), folder.path)
    assert sorted(p.name for p in folder.samples.iterdir()) == ["epoch_001.png", "epoch_002.png"]
    assert folder.gif_file.exists()
    rows = folder.read_history()
    assert [row["epoch"] for row in rows] == [1, 2] and rows[1]["seconds"] > rows[0]["seconds"] > 0
    assert folder.epochs_done() == 2 and folder.latest_checkpoint().name == "epoch_0002"
    assert folder.read_config() == tiny_run(epochs=2)
    info = folder.checkpoint_info()
    assert info["seconds"] == pytest.approx(rows[1]["seconds"], abs=0.01)
    assert RunConfig.from_dict(info["config"]) == tiny_run(epochs=2) and info["library_version"]


def test_stopping_and_resuming_gives_the_same_weights_as_one_run(tiny_data, tmp_path):
    straight = training.train(tiny_run(epochs=2), tmp_path / "straight")
    training.train(tiny_run(epochs=1), tmp_path / "stopped")
    resumed = training.train(tiny_run(epochs=2), tmp_path / "stopped")
    for a, b in zip(weights_of(straight.generator), weights_of(resumed.generator)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(straight.g_optimizer.variables, resumed.g_optimizer.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    straight_rows = RunFolder(tmp_path / "straight").read_history()
    resumed_rows = RunFolder(tmp_path / "stopped").read_history()
    losses = [row["g_loss"] for row in resumed_rows]
    assert [row["g_loss"] for row in straight_rows] == pytest.approx(losses, rel=1e-5)
    assert RunFolder(tmp_path / "stopped").read_config().epochs == 2  # the record follows the run


def test_a_resumed_self_conditioned_run_reads_its_clusters_from_the_checkpoint(
    tiny_data, tmp_path, monkeypatch
):
    folder = RunFolder(tmp_path / "run")
    training.train(tiny_run(epochs=1), folder.path)
    with np.load(folder.latest_checkpoint() / "state.npz") as saved:
        clusters = saved[runs.TRAINING_LABELS]
    assert clusters.dtype == np.uint8 and clusters.shape == (256,) and clusters.max() < 50

    def no_clustering_on_resume(self, images, labels):
        raise AssertionError("a resumed run clustered its images again")

    monkeypatch.setattr(SelfConditionedGAN, "training_labels", no_clustering_on_resume)
    resumed = training.train(tiny_run(epochs=2), folder.path)
    with np.load(folder.latest_checkpoint() / "state.npz") as saved:
        np.testing.assert_array_equal(saved[runs.TRAINING_LABELS], clusters)
    assert [row["epoch"] for row in folder.read_history()] == [1, 2]
    shares = np.bincount(clusters, minlength=50) / len(clusters)  # restored with the weights
    np.testing.assert_allclose(resumed.generator.get_layer("cluster").shares(), shares, atol=1e-6)


def test_a_checkpoint_whose_state_names_do_not_fit_is_refused(tiny_data, tmp_path):
    folder = RunFolder(tmp_path / "run")
    training.train(tiny_run(epochs=1), folder.path)
    state = folder.latest_checkpoint() / "state.npz"
    with np.load(state) as saved:
        values = {name: saved[name] for name in saved.files}
    values["g_optimizer/renamed"] = values.pop("g_optimizer/dense/kernel/momentum")
    np.savez(state, **values)
    with pytest.raises(
        ValueError,
        match=r"checkpoint .*epoch_0001/state.npz does not fit a dcgan "
        r"model: "
        r"missing: g_optimizer/dense/kernel/momentum; "
        r"not in the model: g_optimizer/renamed",
    ):
        training.train(tiny_run(epochs=2), folder.path)


def test_records_of_an_epoch_cut_short_are_dropped_on_resume(tiny_data, tmp_path):
    folder = RunFolder(tmp_path / "run")
    training.train(tiny_run(epochs=1), folder.path)
    rows = folder.read_history()
    # As if epoch 2 wrote its history row and then the process died before its checkpoint.
    folder.add_history_row({**rows[0], "epoch": 2})
    training.train(tiny_run(epochs=2), folder.path)
    assert [row["epoch"] for row in folder.read_history()] == [1, 2]


def test_a_folder_of_another_run_is_refused(tiny_data, tmp_path):
    training.train(tiny_run(epochs=1), tmp_path / "run")
    with pytest.raises(
        ValueError,
        match=r"holds another run: the recorded run trains model dcgan, this one asks for model "
        r"dcgan-compact.*another --out",
    ):
        training.train(tiny_run("dcgan-compact", epochs=1), tmp_path / "run")


def test_divergence_stops_with_the_step_and_keeps_the_last_good_checkpoint(
    tiny_data, tmp_path, monkeypatch
):
    folder = RunFolder(tmp_path / "run")
    training.train(tiny_run(epochs=1), folder.path)
    # A NaN target poisons the discriminator's loss on the first step of epoch 2 (step 5: 4 steps
    # an epoch).
    nan_targets = lambda self, real, fake: (float("nan"), 0.0)  # noqa: E731
    monkeypatch.setattr(gan.GAN, "real_and_fake_targets", nan_targets)
    with pytest.raises(
        callbacks.TrainingDiverged,
        match=r"d_loss became nan at step 5 \(epoch 2\); .*last good checkpoint "
        r"was kept",
    ):
        training.train(tiny_run(epochs=2), folder.path)
    assert folder.epochs_done() == 1
    assert [row["epoch"] for row in folder.read_history()] == [1]


def test_sampling_a_run_folder(tiny_data, tmp_path):
    training.train(tiny_run(epochs=1), tmp_path / "run")
    samples, labels = sampling.sample_model(str(tmp_path / "run"), n=7, seed=3)
    assert samples.shape == (7, 28, 28) and labels is None and samples.min() >= -1
    with pytest.raises(ValueError, match=r"unknown model 'nothing-here': give a shipped generator"):
        sampling.load_generator("nothing-here")
    with pytest.raises(ValueError, match="is unconditional and cannot draw a chosen digit"):
        sampling.sample_model(str(tmp_path / "run"), n=7, label=3)


@pytest.mark.parametrize("label", [10, -1, 2.5, True])
def test_requested_labels_are_balanced_or_one_digit(label):
    assert gan.requested_labels(12).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert gan.requested_labels(3, 7).tolist() == [7, 7, 7]
    with pytest.raises(ValueError, match="label must be a digit class from 0 to 9"):
        gan.requested_labels(3, label)


def test_a_run_folder_reads_back_and_its_command_rebuilds_it(tiny_data, tmp_path):
    smooth = Stabilization(real_labels=(0.8, 1.0), flip_probability=0.1)
    training.train(tiny_run(epochs=1, eval_every=1, stabilization=smooth), tmp_path / "run")
    run = training.read_run(tmp_path / "run")
    assert [row["epoch"] for row in run.history] == [1] and run.reports[0]["epoch"] == 1
    assert run.config.stabilization == smooth
    assert run.config.command("runs/x") == (
        "python -m mnistgan_lib train dcgan --profile tiny --epochs 1 --seed 0 --eval-every 1 "
        "--real-labels 0.8 1 --flip-labels 0.1 --out runs/x"
    )
    with pytest.raises(ValueError, match="is not a training run folder \\(it has no run.json\\)"):
        training.read_run(tmp_path)
    with pytest.raises(ValueError, match="no recorded experiment 'nope'"):
        training.recorded_runs("nope")


def test_instance_noise_is_annealed_over_the_whole_run_and_fixes_its_length(tiny_data, tmp_path):
    noisy = tiny_run("dcgan-unclustered", epochs=1, stabilization=Stabilization(instance_noise=0.1))
    model = training.train(noisy, tmp_path / "run")
    assert model.stabilization.anneal_steps == 4  # 1 epoch of 256 // 64 steps
    assert RunFolder(tmp_path / "run").read_config().stabilization.anneal_steps == 4
    longer = dataclasses.replace(noisy, epochs=2)
    with pytest.raises(
        ValueError,
        match=r"stabilization 'instance noise 0.1 over 4 steps', this one asks for "
        r"stabilization 'instance noise 0.1 over 8 steps'; instance noise is annealed",
    ):
        training.train(longer, tmp_path / "run")


def test_every_recorded_run_reads_as_a_run_config():
    for experiment in ("dcgan", "wgan", "stabilization", "acgan/stabilization"):
        recorded = training.recorded_runs(experiment)
        assert recorded, experiment
        for name, run in recorded.items():
            assert run.config.epochs == run.history[-1]["epoch"], name
            assert re.fullmatch(r"\d+\.\d+\.\d+", run.config.library_version), name
            measured = [report["epoch"] for report in run.reports]
            every = run.config.eval_every
            assert measured == list(range(every, run.config.epochs + 1, every))
    noise = training.recorded_runs("stabilization")["noise-seed0"].config
    assert noise.command("runs/n") == (
        "python -m mnistgan_lib train dcgan-small --profile quick --train-images 1000 "
        "--passes 8 --epochs 62 --seed 0 --eval-every 2 --instance-noise 0.2 "
        "--anneal-steps 3720 --out runs/n"
    )


def test_history_has_a_column_per_logged_metric_and_generated_labels_are_checked(tmp_path):
    from mnistgan_lib.core.backend import keras

    rows = [{"epoch": 1, "seconds": 2.0, "critic_loss": -0.5, "wasserstein": 1.25}]
    runs.write_history(tmp_path / "history.csv", rows)
    assert runs.read_history(tmp_path / "history.csv") == rows
    generator = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(784), keras.layers.Reshape((28, 28, 1))]
    )
    with pytest.raises(
        ValueError,
        match=r"labels must hold one class per image, shape \(3,\), "
        r"got shape \(2,\)",
    ):
        gan.generate_images(generator, 4, "normal", 3, labels=[1, 2])


def test_export_ships_generator_and_discriminator_with_cards(tiny_data, tmp_path, monkeypatch):
    from mnistgan_lib.core import pretrained
    from mnistgan_lib.running import cli

    training.train(tiny_run(epochs=1, eval_every=1), tmp_path / "run")
    monkeypatch.setattr(pretrained, "WEIGHTS_DIR", tmp_path / "weights")
    cli.main(["export", str(tmp_path / "run"), "--name", "mine"])
    card = pretrained.read_card("mine")
    assert card["role"] == "generator" and card["preset"] == "dcgan"
    assert card["metrics"]["samples"] == 10_000
    assert card["command"] == (
        "python -m mnistgan_lib train dcgan --profile tiny --epochs 1 "
        f"--seed 0 --eval-every 1 --out {tmp_path / 'run'}"
    )
    assert [row["epoch"] for row in card["history"]] == [1] and "fd_mnist" in card["history"][0]
    assert pretrained.read_card("mine-discriminator")["role"] == "discriminator"
    shipped, _ = sampling.sample_model("mine", n=3)
    from_run, _ = sampling.sample_model(str(tmp_path / "run"), n=3)
    np.testing.assert_allclose(shipped, from_run, atol=1e-6)
    critics = [sampling.load_discriminator(model) for model in ("mine", str(tmp_path / "run"))]
    assert critics[0].count_params() == critics[1].count_params()


def run_cli(*arguments, env=None):
    return subprocess.run(
        [sys.executable, "-m", "mnistgan_lib", *arguments], capture_output=True, text=True, env=env
    )


def test_train_and_sample_commands(tiny_data, tmp_path):
    import os

    env = dict(os.environ, MNISTGAN_DATA=str(tiny_data), MNISTGAN_PROFILE="quick")
    out = tmp_path / "cli-run"
    trained = run_cli("train", "dcgan", "--epochs", "1", "--out", str(out), env=env)
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert (out / "samples" / "epoch_001.png").exists()
    quick = RunConfig(model="dcgan", profile="quick", train_images=2048, epochs=1)
    assert RunFolder(out).read_config() == quick
    drawn = run_cli(
        "sample", "--model", str(out), "--n", "12", "--out", str(tmp_path / "s.npy"), env=env
    )
    assert drawn.returncode == 0, drawn.stderr[-2000:]
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (12, 28, 28) and samples.dtype == np.float32
    unknown = run_cli("sample", "--model", "nope", "--out", str(tmp_path / "x.npy"), env=env)
    assert unknown.returncode != 0 and "unknown model 'nope'" in unknown.stderr

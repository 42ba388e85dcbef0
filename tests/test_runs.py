"""A run's settings and its folder as values: RunConfig and RunFolder, without training anything."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from mnistgan_lib import __version__
from mnistgan_lib.gans.stabilization import NONE, Stabilization
from mnistgan_lib.running import runs
from mnistgan_lib.running.runs import RunConfig, RunFolder

SMOOTH = Stabilization(real_labels=(0.9, 1.0), flip_probability=0.05)


def a_config(**fields) -> RunConfig:
    return RunConfig(**{"model": "dcgan", "profile": "quick", "epochs": 3, **fields})


def test_a_config_round_trips_through_run_json():
    config = a_config(seed=2, train_images=2048, eval_every=1, stabilization=SMOOTH)
    assert RunConfig.from_json(config.to_json()) == config
    settings = json.loads(config.to_json())
    assert list(settings) == [
        "model",
        "seed",
        "train_images",
        "passes",
        "profile",
        "epochs",
        "eval_every",
        "stabilization",
        "library_version",
    ]
    assert settings["library_version"] == __version__
    assert settings["stabilization"]["real_labels"] == [0.9, 1.0]
    assert json.loads(a_config().to_json())["stabilization"] is None


def test_a_config_fills_in_its_profile_and_normalises_what_means_the_same():
    assert RunConfig.for_profile("dcgan", "quick") == a_config(epochs=1, train_images=2048)
    assert RunConfig.for_profile("dcgan", "full", epochs=5).epochs == 5
    assert a_config(train_images=60_000).train_images is None  # all of MNIST either way
    assert a_config(stabilization=Stabilization(anneal_steps=9)).stabilization is NONE  # nothing on
    assert a_config(seed=np.int64(4)).to_json()  # a NumPy seed is stored as a plain int
    assert a_config(profile="  Quick ").profile == "quick"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"model": "dcgan-huge"}, "unknown model 'dcgan-huge'; choose one of dcgan"),
        ({"epochs": 0}, "epochs must be a whole number >= 1, got 0"),
        ({"epochs": 2.0}, "epochs must be a whole number >= 1, got 2.0"),
        ({"seed": -1}, "seed must be a whole number >= 0, got -1"),
        ({"seed": True}, "seed must be a whole number >= 0, got True"),
        ({"eval_every": -2}, r"eval_every must be a whole number >= 0 \(0: never\), got -2"),
        ({"passes": 0}, r"passes must be a whole number >= 1 \(passes over the images"),
        ({"train_images": 0}, "train_images must be a positive whole number or None"),
        ({"train_images": 70_000}, "train_images must be at most 60,000"),
        ({"profile": "turbo"}, "unknown run profile 'turbo'"),
        ({"stabilization": {"flip_probability": 0.1}}, "must be a Stabilization, got dict"),
        ({"library_version": ""}, "library_version must be a version string"),
    ],
)
def test_a_config_refuses_bad_fields_with_a_clear_message(fields, message):
    with pytest.raises((ValueError, TypeError), match=message):
        a_config(**fields)


def test_run_json_of_another_format_is_refused_naming_the_fields():
    old = {
        "model": "dcgan",
        "seed": 0,
        "train_images": None,
        "profile": "full",
        "stabilization": None,
        "extra": 1,
    }
    with pytest.raises(
        ValueError,
        match=r"old/run.json is not a run config of mnistgan_lib .*: "
        r"it lacks: epochs, eval_every, library_version; "
        r"it has unknown: extra",
    ):
        RunConfig.from_json(json.dumps(old), "old/run.json")
    with pytest.raises(ValueError, match="run.json is not valid JSON"):
        RunConfig.from_json("{")


def test_run_json_written_before_passes_existed_reads_as_one_pass():
    settings = json.loads(a_config().to_json())
    del settings["passes"]
    assert RunConfig.from_dict(settings) == a_config()
    assert a_config().mismatch(a_config(passes=4)) == (
        "the recorded run has passes 1, this one asks for passes 4"
    )


def test_the_mismatch_says_which_settings_make_another_run():
    config = a_config(stabilization=SMOOTH)
    assert (
        config.mismatch(
            a_config(
                stabilization=SMOOTH,
                epochs=9,
                eval_every=2,
                profile="full",
                library_version="0.1.0",
            )
        )
        is None
    )
    assert config.mismatch(a_config(model="wgan-gp", seed=1, train_images=512)) == (
        "the recorded run trains model dcgan, this one asks for model wgan-gp; "
        "the recorded run has seed 0, this one asks for seed 1; "
        "the recorded run trained on all 60,000 training images, this one asks for 512 training "
        "images (a seeded subset, --train-images 512); "
        "the recorded run used stabilization 'smooth [0.9, 1] + flip 0.05', this one asks for no "
        "stabilization"
    )
    noisy = a_config(stabilization=Stabilization(instance_noise=0.1))
    longer = dataclasses.replace(noisy, epochs=4)
    assert noisy.with_noise_schedule(32).mismatch(longer.with_noise_schedule(32)) == (
        "the recorded run used stabilization 'instance noise 0.1 over 96 steps', this one asks "
        "for stabilization 'instance noise 0.1 over 128 steps'; "
        "instance noise is annealed to zero over the whole run, so the run's length is fixed"
    )


def test_the_command_line_makes_the_same_config():
    from mnistgan_lib.running import cli

    tricks = Stabilization(real_labels=0.9, flip_probability=0.1, instance_noise=0.2)
    config = a_config(seed=3, train_images=500, eval_every=2, stabilization=tricks)
    line = config.command("runs/x")
    assert line == (
        "python -m mnistgan_lib train dcgan --profile quick --train-images 500 "
        "--epochs 3 --seed 3 --eval-every 2 --real-labels 0.9 --flip-labels 0.1 "
        "--instance-noise 0.2 --out runs/x"
    )
    assert cli.run_config(cli.parser().parse_args(line.split()[3:])) == config
    smooth = a_config(stabilization=SMOOTH)
    assert cli.run_config(cli.parser().parse_args(smooth.command("r").split()[3:])) == smooth
    # Noise annealed over part of the run: the steps are part of the command.
    halfway = a_config(stabilization=Stabilization(instance_noise=0.2, anneal_steps=40))
    line = halfway.command("r")
    assert "--instance-noise 0.2 --anneal-steps 40 --out r" in line
    assert cli.run_config(cli.parser().parse_args(line.split()[3:])) == halfway
    assert "--train-images" not in a_config(train_images=2048).command("r")  # the profile's own
    assert "--train-images 60000" in a_config().command("r")  # all of MNIST, unlike quick's 2,048


def test_a_run_folder_keeps_its_records_and_forgets_an_epoch_cut_short(tmp_path):
    folder = RunFolder(tmp_path / "run")
    assert not folder.is_run() and folder.read_history() == [] and folder.read_reports() == []
    with pytest.raises(ValueError, match=r"is not a training run folder \(it has no run.json\)"):
        folder.read_config()
    folder.start(a_config())
    assert folder.read_config() == a_config() and folder.epochs_done() == 0
    for epoch in (1, 2, 3):
        folder.add_history_row({"epoch": epoch, "seconds": 1.5 * epoch, "d_loss": 0.25})
        folder.add_report({"epoch": epoch, "fd_mnist": 10.0 / epoch})
    folder.add_report({"epoch": 2, "fd_mnist": 7.0})  # a redone epoch: its report and later ones go
    assert [(r["epoch"], r["fd_mnist"]) for r in folder.read_reports()] == [(1, 10.0), (2, 7.0)]
    folder.forget_after(1)
    assert [row["epoch"] for row in folder.read_history()] == [1]
    assert [report["epoch"] for report in folder.read_reports()] == [1]
    assert not list(folder.path.glob(".*.partial"))  # every write was replaced in one step
    with pytest.raises(ValueError, match="has no finished epoch yet; train it first"):
        folder.latest_checkpoint()


def test_a_run_folder_refuses_another_run_and_records_a_longer_one(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.start(a_config())
    with pytest.raises(
        ValueError,
        match=r"holds another run: the recorded run has seed 0, this one asks for seed 1\. "
        r"Resume it with its own settings: python -m mnistgan_lib train dcgan .*--seed 0 .*; "
        r"or choose another --out folder",
    ):
        folder.start(a_config(seed=1))
    folder.start(a_config(epochs=5, eval_every=1))
    assert folder.read_config() == a_config(epochs=5, eval_every=1)


def test_integers_are_stored_in_the_smallest_dtype():
    assert runs.smallest_integers(np.arange(50)).dtype == np.uint8
    assert runs.smallest_integers(np.array([0, 300])).dtype == np.uint16
    assert runs.smallest_integers(np.array([-1, 5])).dtype == np.int8
    np.testing.assert_array_equal(runs.smallest_integers(np.array([3, 7, 49])), [3, 7, 49])

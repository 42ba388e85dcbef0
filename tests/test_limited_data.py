"""The stabilization chapter's grids: equal budgets, passes per epoch and the recorded rows."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from conftest import tiny_run

from mnistgan_lib.core import data
from mnistgan_lib.running import grids, limited_data


def test_an_epoch_of_several_passes_keeps_the_first_pass_in_the_one_pass_order():
    images = np.arange(10 * 28 * 28, dtype=np.uint8).reshape(10, 28, 28) % 255
    one, steps_one = data.make_epoch_batches(images, 2, seed=0, first_epoch=0, epochs=1)
    three, steps_three = data.make_epoch_batches(
        images, 2, seed=0, first_epoch=0, epochs=1, passes=3
    )
    assert (steps_one, steps_three) == (5, 15)
    first = [np.asarray(batch) for batch in one]
    tripled = [np.asarray(batch) for batch in three]
    assert all(np.array_equal(a, b) for a, b in zip(first, tripled[:5]))
    firsts = [batch[:, 0, 0, 0].tolist() for batch in tripled]
    assert firsts[5:10] != firsts[:5]  # the second pass has its own order
    seen = sorted(sum(firsts[5:10], []))
    assert seen == sorted(sum(firsts[:5], []))  # ...of the same images


@pytest.mark.parametrize("images", [1_000, 2_000, 6_000, 60_000])
@pytest.mark.parametrize("steps", [limited_data.SIZE_STEPS, limited_data.SETTING_STEPS])
def test_every_grid_run_gets_about_the_same_number_of_generator_updates(images, steps):
    passes, epochs = limited_data.schedule(images, steps)
    updates = passes * (images // limited_data.BATCH) * epochs
    assert abs(updates - steps) / steps < 0.03
    assert 90 <= passes * (images // limited_data.BATCH) <= 940


def test_the_grids_hold_five_seeds_per_setting_and_three_per_size():
    runs = limited_data.grid_runs()
    names = [run.name for run in runs]
    assert len(names) == len(set(names)) == 6 * 5 + 4 * 3
    assert {run.config.train_images for run in runs[:30]} == {1_000}
    # The settings run twice the size sweep's budget; the sweep's 1,000-image runs are the
    # baseline's first three seeds stopped at the sweep's budget.
    assert {run.config.epochs for run in runs[:30]} == {62}
    by_name = {run.name: run.config for run in runs}
    for seed in limited_data.SIZE_SEEDS:
        short, long = by_name[f"size1000-seed{seed}"], by_name[f"baseline-seed{seed}"]
        assert short.epochs < long.epochs and short == dataclasses.replace(long, epochs=31)
    two_sided = limited_data.SETTINGS["two-sided"]
    assert two_sided.real_labels == (0.9, 1.1) and two_sided.targets_above_one


def test_a_resumed_run_replaces_the_rows_of_the_epochs_it_repeats(tmp_path):
    path = tmp_path / "real_scores.csv"
    for epoch in (1, 2, 3):
        limited_data.append_row(path, {"epoch": epoch, "train_real": 0.1 * epoch})
    limited_data.append_row(path, {"epoch": 2, "train_real": 0.9})  # resumed after epoch 1
    assert grids.read_rows(path) == [
        {"epoch": 1, "train_real": 0.1},
        {"epoch": 2, "train_real": 0.9},
    ]


def test_the_command_refuses_bad_arguments_before_any_work(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        limited_data.main(["--out", str(tmp_path / "g"), "--workers", "0"])
    assert stopped.value.code == 2 and "--workers must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        limited_data.main(["--out", str(tmp_path / "g"), "--only", "nothing"])
    assert stopped.value.code == 1
    assert "no run's name starts with 'nothing'" in capsys.readouterr().err
    assert not (tmp_path / "g").exists()


def test_calibration_finds_the_threshold_that_separates_failed_runs_and_counts_them():
    signal = [0.1, 0.2, 0.3, 0.5, 0.6, 0.4]
    failed = [False, False, False, True, True, False]
    found = limited_data.calibrate(signal, failed)
    assert found == limited_data.Calibration(0.5, hits=2, misses=0, false_alarms=0, quiet=4)
    # Overlapping runs: one false alarm buys one hit.
    found = limited_data.calibrate([0.1, 0.4, 0.3, 0.5], [False, True, True, False])
    assert (found.threshold, found.hits, found.false_alarms) == (0.3, 2, 1)
    # 0.1 (every run flagged) and 0.3 score alike; the higher threshold wins the tie.
    found = limited_data.calibrate([0.1, 0.2, 0.3, 0.4], [True, False, True, False])
    assert (found.threshold, found.hits, found.false_alarms) == (0.3, 1, 1)


@pytest.mark.parametrize(
    "signal, failed, message",
    [
        ([0.1, 0.2], [True], "one failed flag per run"),
        ([0.1, float("nan")], [True, False], "finite"),
        ([0.1, 0.2], [True, True], "both failed and good runs"),
    ],
)
def test_calibration_refuses_what_it_cannot_calibrate(signal, failed, message):
    with pytest.raises(ValueError, match=message):
        limited_data.calibrate(signal, failed)


def test_a_finished_run_continued_to_more_epochs_is_trained_and_measured_again(
    tiny_data, tmp_path, monkeypatch
):
    monkeypatch.setattr(limited_data, "FINAL_SAMPLES", 500)
    monkeypatch.setattr(limited_data, "HELD_OUT", 20)
    short = limited_data.GridRun("baseline-seed0", tiny_run("dcgan-small", epochs=1))
    assert limited_data.train_one(short, tmp_path).startswith("baseline-seed0: FD-MNIST")
    assert limited_data.train_one(short, tmp_path) == "baseline-seed0: done before"
    final = tmp_path / "baseline-seed0" / "final.json"
    assert json.loads(final.read_text())["epochs"] == 1
    longer = dataclasses.replace(short, config=dataclasses.replace(short.config, epochs=2))
    assert limited_data.train_one(longer, tmp_path).startswith("baseline-seed0: FD-MNIST")
    assert json.loads(final.read_text())["epochs"] == 2
    # Stopped after its last checkpoint but before its new measurement: measured again.
    final.write_text('{"fd_mnist": -1.0}')  # a measurement that names no epochs
    assert limited_data.train_one(longer, tmp_path).startswith("baseline-seed0: FD-MNIST")
    assert json.loads(final.read_text())["fd_mnist"] > 0
    assert [row["epoch"] for row in grids.read_rows(final.parent / "real_scores.csv")] == [1, 2]

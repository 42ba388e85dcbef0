"""The DCGAN chapter's design race: its runs, the clock that stops them and the probes."""

from __future__ import annotations

import pytest
from conftest import tiny_run

from mnistgan_lib.running import design_race, grids, training


def test_the_race_holds_every_design_and_recipe_change_at_three_seeds():
    runs = design_race.race_runs()
    assert len({run.name for run in runs}) == len(runs) == 6 * 3
    assert {run.config.model for run in runs} == set(design_race.DESIGNS + design_race.RECIPE)
    assert all(run.config.train_images is None for run in runs)  # all 60,000 digits


def test_a_run_is_measured_on_its_clock_and_stopped_at_the_budget(tiny_data, tmp_path, monkeypatch):
    # Every step passes a probe mark, and the first probe already reaches the budget.
    monkeypatch.setattr(design_race, "PROBE_SECONDS", 1e-6)
    monkeypatch.setattr(design_race, "BUDGET_SECONDS", 1e-6)
    monkeypatch.setattr(design_race, "PROBE_SAMPLES", 500)
    folder = tmp_path / "run"
    config = tiny_run("dcgan-unclustered", epochs=3)
    training.train(config, folder, extra_callbacks=[design_race.probes_callback(folder)])
    (probe,) = grids.read_rows(folder / "probes.csv")
    assert probe["updates"] == 1  # stopped after the step that reached the budget
    assert {"fd_averaged", "fd_raw", "rarest_averaged", "rarest_raw"} <= set(probe)
    history = training.read_run(folder).history
    assert len(history) == 1 and history[0]["seconds"] >= probe["seconds"] > 0


def test_a_resumed_run_forgets_the_probes_after_its_checkpoint(tiny_data, tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    grids.write_rows(folder / "probes.csv", [{"mark": 1e9, "seconds": 1e9, "updates": 9}])
    clock = type("Clock", (), {"seconds": 0.0})()
    probes = design_race.probes_callback(folder)(clock)
    probes.on_train_begin()
    assert probes.rows == [] and probes.next_mark == design_race.PROBE_SECONDS


def test_the_race_command_names_what_it_cannot_find(capsys, tmp_path):
    with pytest.raises(SystemExit) as stopped:
        design_race.main(["--out", str(tmp_path / "race"), "--only", "nothing"])
    assert stopped.value.code == 1
    assert "no run's name starts with 'nothing'" in capsys.readouterr().err
    assert not (tmp_path / "race").exists()  # nothing started

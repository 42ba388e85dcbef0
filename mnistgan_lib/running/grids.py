"""Grids of training runs spread over CPU cores, and the CSV rows their runs record
(the stabilization chapter's small-data grid and the DCGAN chapter's design race)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path


def command_line(prog: str, description: str, argv: list[str] | None) -> argparse.Namespace:
    """The options every grid command takes (--out, --record, --workers, --only), parsed."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--out", type=Path, required=True, help="folder for the run folders")
    parser.add_argument(
        "--record", type=Path, default=None, help="copy the finished runs' records here"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes, one core each")
    parser.add_argument(
        "--only", default=None, help="only the runs whose name starts with this, e.g. size"
    )
    arguments = parser.parse_args(argv)
    if arguments.workers < 1:
        parser.error(f"--workers must be at least 1, got {arguments.workers}")
    return arguments


def select(runs: Sequence, only: str | None) -> list:
    """The runs whose name starts with `only` (all of them for None); an error if none does."""
    from mnistgan_lib.core.errors import InputError

    chosen = [run for run in runs if only is None or run.name.startswith(only)]
    if not chosen:
        raise InputError(f"no run's name starts with {only!r}; names look like {runs[0].name!r}")
    return chosen


def read_rows(path: Path) -> list[dict]:
    """A CSV of numbers as dicts (empty when the file does not exist); "epoch" stays whole."""
    if not Path(path).exists():
        return []
    with open(path, newline="") as file:
        return [
            {key: (int(value) if key == "epoch" else float(value)) for key, value in row.items()}
            for row in csv.DictReader(file)
        ]


def write_rows(path: Path, rows: list[dict]) -> None:
    """Write `rows` (dicts with the same keys) as a CSV file, replacing what was there."""
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _one_core(counter) -> None:
    """Pin this worker process to one core of its own, before TensorFlow starts."""
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[index % len(cores)]})


def run_all(train_one: Callable, runs: Sequence, out: Path, workers: int) -> None:
    """`train_one(run, out)` for every run, `workers` processes at a time, one core each,
    printing the line each returns. A missing or broken MNIST file stops it before any run
    starts."""
    from mnistgan_lib.core import data

    data.load_mnist()
    out.mkdir(parents=True, exist_ok=True)
    context = get_context("spawn")
    counter = context.Value("i", 0)
    with ProcessPoolExecutor(workers, context, _one_core, (counter,)) as pool:
        for line in pool.map(train_one, runs, [out] * len(runs)):
            print(line, flush=True)


def record(names: Sequence[str], out: Path, results: Path, files: Sequence[str]) -> None:
    """Copy `files` and the last sample grid of each finished run (one with a final.json)
    from `out` into `results`: what a chapter reads, without checkpoints."""
    for name in names:
        source = out / name
        if not (source / "final.json").exists():
            continue
        target = results / name
        (target / "samples").mkdir(parents=True, exist_ok=True)
        for file in files:
            shutil.copy2(source / file, target / file)
        last = sorted((source / "samples").glob("epoch_*.png"))[-1]
        shutil.copy2(last, target / "samples" / last.name)


def read_recorded(experiment: str, rows_file: str) -> dict[str, tuple]:
    """Every recorded run under `results/<experiment>/`, by name: its training record, the rows
    of its `rows_file` and its final.json (what the grids' chapters read)."""
    from mnistgan_lib.running import training

    folder = training.RESULTS / experiment
    return {
        name: (
            run,
            read_rows(folder / name / rows_file),
            json.loads((folder / name / "final.json").read_text()),
        )
        for name, run in training.recorded_runs(experiment).items()
    }

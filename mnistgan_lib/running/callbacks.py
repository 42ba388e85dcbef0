"""Callbacks for `GAN.fit`: what a training run leaves in its folder after every epoch.

Order matters: samples, the history row and metrics are written first, and
the checkpoint last, so a run that resumes from a checkpoint always finds
every completed epoch's records beside it.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from pathlib import Path

import numpy as np
from PIL import Image

from mnistgan_lib.core import data
from mnistgan_lib.core.pixels import grid_image
from mnistgan_lib.core.backend import keras

HISTORY_START = ["epoch", "seconds"]  # then every metric the model logs, in its own order


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the message says which, and at which step."""


def write_atomically(path: Path, text: str) -> None:
    """Replace a text file in one step, so a crash leaves the old or the new file, never half of one."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


class SampleGrid(keras.callbacks.Callback):
    """Save a grid of samples from fixed noise after every epoch, and a GIF of all of them at the end."""

    def __init__(self, folder: Path, count: int = 100, seed: int = 1234):
        super().__init__()
        self.folder, self.count, self.seed = Path(folder), count, seed

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        grid_image(self.model.generate(self.count, seed=self.seed)).save(self.folder / f"epoch_{epoch + 1:03d}.png")

    def on_train_end(self, logs=None) -> None:
        frames = [Image.open(path) for path in sorted(self.folder.glob("epoch_*.png"))]
        if frames:
            frames[0].save(self.folder.parent / "samples.gif", save_all=True, append_images=frames[1:], duration=400, loop=0)


class HistoryCsv(keras.callbacks.Callback):
    """One CSV row per finished epoch: cumulative training seconds and every metric the model logs."""

    def __init__(self, path: Path, seconds_before: float = 0.0):
        super().__init__()
        self.path, self.seconds = Path(path), seconds_before

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.seconds += time.perf_counter() - self.started
        rows = read_history(self.path)
        logged = {tracker.name: float(logs[tracker.name]) for tracker in self.model.metrics}
        rows.append({"epoch": epoch + 1, "seconds": round(self.seconds, 2), **logged})
        write_history(self.path, rows)


def read_history(path: Path) -> list[dict]:
    """The rows of a history CSV (empty when there is none yet)."""
    if not Path(path).exists():
        return []
    with open(path, newline="") as handle:
        return [{key: float(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def write_history(path: Path, rows: list[dict]) -> None:
    """Write history rows atomically."""
    fields = list(rows[0]) if rows else HISTORY_START
    lines = [",".join(fields)] + [",".join(f"{row[key]:g}" for key in fields) for row in rows]
    write_atomically(Path(path), "\n".join(lines) + "\n")


class PeriodicMetrics(keras.callbacks.Callback):
    """Measure samples with the kit every `every` epochs and append the report to a JSON-lines file."""

    def __init__(self, path: Path, every: int, samples: int, history: HistoryCsv):
        super().__init__()
        self.path, self.every, self.samples, self.history = Path(path), every, samples, history

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self.every <= 0 or (epoch + 1) % self.every:
            return
        from mnistgan_lib.measuring import metrics

        report = metrics.evaluate(*self.model.samples_to_measure(self.samples, seed=0))
        row = {"epoch": epoch + 1, "seconds": round(self.history.seconds, 2), **report.as_dict()}
        kept = [line for line in read_jsonl(self.path) if line["epoch"] < epoch + 1]
        write_atomically(self.path, "".join(json.dumps(line) + "\n" for line in kept + [row]))


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSON-lines file (empty when there is none yet)."""
    path = Path(path)
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


class StopOnDivergence(keras.callbacks.Callback):
    """Stop at the first batch whose logged losses or metrics are not finite, naming which and the step."""

    def __init__(self, steps_per_epoch: int):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        for name, value in (logs or {}).items():
            value = float(value)
            if not math.isfinite(value):
                step = self.epoch * self.steps_per_epoch + batch + 1
                raise TrainingDiverged(
                    f"{name} became {value} at step {step} (epoch {self.epoch + 1}); training stopped and the last "
                    "good checkpoint was kept. Lower the learning rate or try another seed, then resume."
                )


class Checkpoint(keras.callbacks.Callback):
    """After every epoch, save everything needed to resume: weights, optimizer slots, noise stream, clock."""

    def __init__(self, folder: Path, history: HistoryCsv, keep: int = 2):
        super().__init__()
        self.folder, self.history, self.keep = Path(folder), history, keep

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        save_checkpoint(self.model, self.folder, epoch + 1, self.history.seconds, self.keep)


def _state_variables(gan) -> list:
    """Every variable a resumed run needs besides the networks' weights."""
    return [*gan.d_optimizer.variables, *gan.g_optimizer.variables, gan.seed_generator.state]


def save_checkpoint(gan, folder: Path, epoch: int, seconds: float, keep: int = 2) -> Path:
    """Write checkpoint `epoch` into its own folder, then point `latest.json` at it in one atomic step."""
    folder = Path(folder)
    target = folder / f"epoch_{epoch:04d}"
    target.mkdir(parents=True, exist_ok=True)
    networks = {"generator": gan.generator, "discriminator": gan.discriminator}
    if gan.ema_generator is not None:
        networks["ema_generator"] = gan.ema_generator
    for name, network in networks.items():
        network.save_weights(target / f"{name}.weights.h5")
    np.savez(target / "state.npz", *[np.asarray(variable) for variable in _state_variables(gan)])
    write_atomically(folder / "latest.json", json.dumps({"epoch": epoch, "seconds": seconds, "folder": target.name}))
    for old in sorted(folder.glob("epoch_*"))[:-keep]:
        for file in old.iterdir():
            file.unlink()
        old.rmdir()
    return target


def restore_checkpoint(gan, folder: Path) -> tuple[int, float]:
    """Load the latest checkpoint into `gan`; return (epochs done, training seconds), or (0, 0) if there is none."""
    pointer = Path(folder) / "latest.json"
    if not pointer.exists():
        return 0, 0.0
    latest = json.loads(pointer.read_text())
    source = Path(folder) / latest["folder"]
    gan.generator.load_weights(source / "generator.weights.h5")
    gan.discriminator.load_weights(source / "discriminator.weights.h5")
    if gan.ema_generator is not None:
        gan.ema_generator.load_weights(source / "ema_generator.weights.h5")
    gan.build_optimizers()
    with np.load(source / "state.npz", allow_pickle=False) as saved:
        values = [saved[f"arr_{index}"] for index in range(len(saved.files))]
    variables = _state_variables(gan)
    if len(values) != len(variables):
        raise ValueError(f"{source}: checkpoint holds {len(values)} state arrays, this model needs {len(variables)}")
    for variable, value in zip(variables, values):
        variable.assign(value)
    return int(latest["epoch"]), float(latest["seconds"])

"""The stabilization chapter's experiment: GAN training on a small training set.

Two grids of ordinary training runs (`training.train`, so each one resumes):

    settings   every stabilization setting on the same 1,000 training images
               (a seeded subset per seed), five seeds each, `SETTING_STEPS`
               generator updates: long enough for the baseline to level off
    sizes      the baseline on 1,000 to all 60,000 training images, three seeds
               each, at a fixed budget of `SIZE_STEPS` generator updates

Each run also writes `real_scores.csv`: after every epoch, the discriminator's
verdict on its own training images and on 1,000 real test digits it never saw,
the overfitting signal of Karras et al. (2020). After its last epoch a run is
measured on 10,000 samples (`final.json`), the measuring chapter's sample count.

    python -m mnistgan_lib.running.limited_data --out runs/limited-data \\
        --record mnistgan_lib/results/stabilization

`--record` copies what the chapter reads (no checkpoints) into the results folder.
Runs are spread over `--workers` processes, one CPU core each; a stopped grid
picks up where it stopped.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnistgan_lib.core.errors import InputError, reported
from mnistgan_lib.gans.stabilization import Stabilization
from mnistgan_lib.running import grids
from mnistgan_lib.running.runs import RunConfig

MODEL = "dcgan-small"  # half the plain DCGAN's width: many short runs on two CPU cores
IMAGES = 1_000  # the settings grid's training set
SETTING_STEPS = 7_500  # generator updates in every settings run: the baseline levels off
SIZE_STEPS = 3_750  # generator updates in every size run: one fixed budget per size
STEPS_PER_EPOCH = 120  # about: one checkpoint, one sample grid and one measurement each
PROFILE = "quick"  # 1,000 samples measured every other epoch; the final one uses 10,000
FINAL_SAMPLES = 10_000
HELD_OUT = 1_000  # real test digits the discriminator's verdicts are compared on
NOISE_ANNEAL_STEPS = 3_720  # discriminator steps over which instance noise falls to zero
SETTINGS = {
    "baseline": Stabilization(),
    "smooth": Stabilization(real_labels=0.9),
    "two-sided": Stabilization(real_labels=(0.9, 1.1), targets_above_one=True),
    "flip": Stabilization(flip_probability=0.05),
    # Annealed to zero over the first half of a settings run, then none.
    "noise": Stabilization(instance_noise=0.2, anneal_steps=NOISE_ANNEAL_STEPS),
    "augment": Stabilization(augment=True),
}
SETTING_SEEDS = (0, 1, 2, 3, 4)
SIZES = (60_000, 6_000, 2_000, 1_000)
SIZE_SEEDS = (0, 1, 2)
BATCH = 64  # dcgan-small's batch size


@dataclass(frozen=True)
class GridRun:
    """One run of the grids: its name (its folder) and its config."""

    name: str
    config: RunConfig


def schedule(images: int, steps: int) -> tuple[int, int]:
    """Passes per epoch and epochs for `images` training images, so that a run makes
    about `steps` generator updates in epochs of about `STEPS_PER_EPOCH` (the
    stabilization chapter's equal budget)."""
    per_pass = images // BATCH
    passes = max(1, round(STEPS_PER_EPOCH / per_pass))
    epochs = max(1, round(steps / (passes * per_pass)))
    return passes, epochs


def grid_config(images: int, seed: int, stabilization: Stabilization, steps: int) -> RunConfig:
    """The config of one grid run."""
    passes, epochs = schedule(images, steps)
    return RunConfig(
        model=MODEL,
        profile=PROFILE,
        train_images=images,
        passes=passes,
        epochs=epochs,
        seed=seed,
        eval_every=2,
        stabilization=stabilization,
    )


def grid_runs() -> list[GridRun]:
    """Every run of both grids, the settings grid first."""
    runs = [
        GridRun(f"{name}-seed{seed}", grid_config(IMAGES, seed, setting, SETTING_STEPS))
        for seed in SETTING_SEEDS
        for name, setting in SETTINGS.items()
    ]
    # The largest set first: a grid stopped early still has the sweep's far end.
    runs += [
        GridRun(
            f"size{size}-seed{seed}",
            grid_config(size, seed, SETTINGS["baseline"], SIZE_STEPS),
        )
        for size in sorted(SIZES, reverse=True)
        for seed in SIZE_SEEDS
    ]
    return runs


# --- what each run records beyond the training command's files -----------------------


def real_scores_callback(folder: Path, train_images: np.ndarray, held_out: np.ndarray):
    """A Keras callback that appends the discriminator's verdicts on training and on
    held-out real digits to `real_scores.csv` after every epoch."""
    from mnistgan_lib.core import pixels
    from mnistgan_lib.core.backend import keras

    seen = pixels.to_gan_range(train_images[:HELD_OUT])
    unseen = pixels.to_gan_range(held_out)

    class RealScores(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs=None) -> None:
            discriminator = self.model.discriminator
            row = {"epoch": epoch + 1}
            for name, images in (("train", seen), ("held_out", unseen)):
                logits = np.asarray(discriminator.predict(images, verbose=0, batch_size=500))
                logits = logits.reshape(len(images), -1)[:, 0]  # the real/fake logit
                row[f"{name}_real"] = float(np.mean(logits > 0))  # called real
                row[f"{name}_logit"] = float(np.mean(logits))
            append_row(folder / "real_scores.csv", row)

    return RealScores()


def append_row(path: Path, row: dict) -> None:
    """Add one row to a CSV file, replacing an earlier row of the same epoch (a resumed
    run repeats the epochs after its last checkpoint)."""
    rows = [kept for kept in grids.read_rows(path) if kept["epoch"] < row["epoch"]]
    grids.write_rows(path, rows + [row])


def train_one(run: GridRun, out: Path) -> str:
    """Train one grid run into `out / run.name` (resuming it), then measure it on
    `FINAL_SAMPLES` samples into final.json, which names the epochs it measured (a run
    continued to more epochs is measured again at its new end)."""
    from mnistgan_lib.core import data
    from mnistgan_lib.measuring import metrics
    from mnistgan_lib.running import training
    from mnistgan_lib.running.callbacks import TrainingDiverged

    folder = out / run.name
    final = folder / "final.json"
    if final.exists():
        measured = json.loads(final.read_text())
        if "diverged" in measured or measured.get("epochs") == run.config.epochs:
            return f"{run.name}: done before"
    (x_train, y_train), (x_test, _) = data.load_mnist()
    images, _ = data.take_subset(x_train, y_train, run.config.train_images, seed=run.config.seed)
    folder.mkdir(parents=True, exist_ok=True)
    scores = real_scores_callback(folder, images, x_test[-HELD_OUT:])
    try:
        gan = training.train(run.config, folder, extra_callbacks=[scores])
    except TrainingDiverged as error:  # a result too (the two-sided targets may do it)
        final.write_text(json.dumps({"diverged": str(error)}, indent=2) + "\n")
        return f"{run.name}: diverged"
    report = metrics.evaluate(*gan.samples_to_measure(FINAL_SAMPLES, seed=0))
    measured = {"epochs": run.config.epochs, **report.as_dict()}  # the end it measured
    final.write_text(json.dumps(measured, indent=2) + "\n")
    return f"{run.name}: FD-MNIST {report.fd_mnist:.1f}"


def run_grids(out: Path, workers: int, only: str | None = None) -> None:
    """Train every run not finished yet in `out`, `workers` at a time."""
    grids.run_all(train_one, grids.select(grid_runs(), only), out, workers)


RECORDED = ("run.json", "history.csv", "metrics.jsonl", "real_scores.csv", "final.json")


def record(out: Path, results: Path) -> None:
    """Copy each finished run's records and its last sample grid into `results`."""
    grids.record([run.name for run in grid_runs()], out, results, RECORDED)


@dataclass(frozen=True)
class GridRecord:
    """What one recorded grid run left: the training command's records, the
    discriminator's verdicts on real digits by epoch, and the final measurement."""

    run: object  # training.RunRecord: config, history rows, measured reports
    real_scores: list[dict]  # epoch, train_real, train_logit, held_out_real, held_out_logit
    final: dict  # the measuring kit's report on FINAL_SAMPLES samples


def read_grid(experiment: str = "stabilization") -> dict[str, GridRecord]:
    """Every recorded run of the grids under `results/<experiment>/`, by name (the
    stabilization chapter reads them)."""
    recorded = grids.read_recorded(experiment, "real_scores.csv")
    return {name: GridRecord(*parts) for name, parts in recorded.items()}


# --- warning signs, calibrated on the recorded runs ------------------------------------


@dataclass(frozen=True)
class Calibration:
    """A threshold on a warning signal (a run is flagged when its value is at least the
    threshold), and how it sorts the runs it was calibrated on."""

    threshold: float
    hits: int  # failed runs flagged
    misses: int  # failed runs not flagged
    false_alarms: int  # good runs flagged
    quiet: int  # good runs not flagged


def calibrate(signal, failed) -> Calibration:
    """The threshold on `signal` that best separates the `failed` runs from the good
    ones: the most hits per failed run minus false alarms per good run (Youden's J),
    ties going to the higher threshold (the stabilization chapter)."""
    signal = np.asarray(signal, dtype=float).ravel()
    failed = np.asarray(failed, dtype=bool).ravel()
    if signal.shape != failed.shape or not np.all(np.isfinite(signal)):
        raise InputError(
            f"calibrate needs one finite signal value per run and one failed flag per "
            f"run, got {signal.size} values and {failed.size} flags"
        )
    if failed.all() or not failed.any():
        raise InputError("calibrate needs both failed and good runs to tell apart")

    def sorted_by(threshold: float) -> Calibration:
        flagged = signal >= threshold
        return Calibration(
            float(threshold),
            int(np.sum(flagged & failed)),
            int(np.sum(~flagged & failed)),
            int(np.sum(flagged & ~failed)),
            int(np.sum(~flagged & ~failed)),
        )

    def score(found: Calibration) -> tuple[float, float]:
        return (found.hits / failed.sum() - found.false_alarms / (~failed).sum(), found.threshold)

    return max((sorted_by(value) for value in np.unique(signal)), key=score)


def main(argv: list[str] | None = None) -> int:
    """The grids' command line."""
    arguments = grids.command_line(
        "python -m mnistgan_lib.running.limited_data", __doc__.split("\n")[0], argv
    )
    with reported():
        run_grids(arguments.out, arguments.workers, arguments.only)
        if arguments.record is not None:
            record(arguments.out, arguments.record)
    return 0


if __name__ == "__main__":
    sys.exit(main())

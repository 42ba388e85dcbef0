"""Training runs: `train(config, out)` trains a RunConfig into its folder, resuming what is there,
and `recorded_runs` reads the runs the chapters plot (the folder layout is in `running.runs`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnistgan_lib.core import config as profiles
from mnistgan_lib.core import data
from mnistgan_lib.core.backend import keras, seed_everything
from mnistgan_lib.core.errors import InputError, InputTypeError
from mnistgan_lib.gans import presets
from mnistgan_lib.gans.gan import GAN
from mnistgan_lib.running import callbacks
from mnistgan_lib.running.runs import RunConfig, RunFolder


def train(
    config: RunConfig, out: str | Path, verbose: int = 0, extra_callbacks: list | None = None
) -> GAN:
    """Train the run `config` describes in folder `out` until `config.epochs` are done, resuming a
    stopped run there exactly (the DCGAN chapter's training runs).

    Instance noise with `anneal_steps=0` is annealed to zero over the whole run.

    `extra_callbacks` run after the measurements and before the checkpoint; an entry that is
    not a Keras callback is a maker of one, called with the run's clock (`callbacks.HistoryCsv`,
    whose `seconds` are the training seconds so far).

    `verbose` 0 prints nothing; 1 and 2 print what the run does (starting, resuming after epoch N,
    already finished), a short line per epoch with the two losses and each measured epoch's
    FD-MNIST, score and coverage; 1 redraws the epoch's line as it goes (for a terminal).
    """
    if not isinstance(config, RunConfig):
        raise InputTypeError(
            f"train takes a RunConfig, e.g. RunConfig(model='dcgan', epochs=2), "
            f"got {type(config).__name__}"
        )
    preset = presets.get_preset(config.model)
    images, labels = _training_images(config)
    steps = config.passes * (len(images) // preset.batch_size)
    config = config.with_noise_schedule(steps)
    folder = RunFolder(out)
    folder.start(config)

    seed_everything(config.seed)  # before building: the initial weights follow the seed
    gan = presets.build_gan(preset, seed=config.seed, stabilization=config.stabilization)
    progress = folder.restore_checkpoint(gan, config)
    folder.forget_after(progress.epochs)
    say = print if verbose else None
    if say is not None:
        say(_status(config, folder, progress.epochs, steps, len(images)))
    if progress.epochs >= config.epochs:
        if not folder.gif_file.exists():  # stopped after its last checkpoint, before the GIF
            folder.write_gif()
        return gan
    paired, seconds = progress.training_labels, progress.seconds
    if progress.epochs == 0:
        # e.g. the default DCGAN's k-means clusters. Preparing the data is part of a run's training
        # time; a resumed run reads them from its checkpoint and never clusters again.
        paired, preparing = _timed(gan.training_labels, images, labels)
        seconds += preparing
    dataset, steps = data.make_epoch_batches(
        images,
        preset.batch_size,
        config.seed,
        first_epoch=progress.epochs,
        epochs=config.epochs,
        labels=paired,
        passes=config.passes,
    )

    chain = _callbacks(config, folder, steps, seconds, paired, extra_callbacks or [], verbose)
    gan.fit(
        dataset,
        epochs=config.epochs,
        initial_epoch=progress.epochs,
        steps_per_epoch=steps,
        callbacks=chain,
        verbose=0,  # Keras's own progress bar logs every metric: far wider than a terminal
        shuffle=False,
    )
    return gan


def _status(config: RunConfig, folder: RunFolder, done: int, steps: int, images: int) -> str:
    """What `train` is about to do, in one line."""
    if done >= config.epochs:
        more = "" if done == config.epochs else f" (more than the {config.epochs} asked for)"
        return (
            f"{folder.path} is finished: it holds {done} epoch(s){more}; nothing to train "
            "(a larger --epochs trains on)"
        )
    if done:
        return f"resuming {folder.path} after epoch {done} of {config.epochs}"
    return (
        f"training {config.model} into {folder.path}: {config.epochs} epoch(s) of {steps} steps "
        f"on {images:,} images"
    )


def _callbacks(
    config: RunConfig,
    folder: RunFolder,
    steps: int,
    seconds: float,
    paired: np.ndarray | None,
    extra: list,
    verbose: int = 0,
) -> list:
    """What a run writes after every epoch, in order: the checkpoint last, as it marks the epoch
    done (the DCGAN chapter's run folder). With `verbose`, a progress line comes first, so each
    epoch's line is printed before its measurements."""
    history = callbacks.HistoryCsv(folder, seconds_before=seconds)
    measured = profiles.get_profile(config.profile).eval_samples
    shown = [callbacks.ProgressLine(config.epochs, steps, live=verbose == 1)] if verbose else []
    say = print if verbose else None
    return [
        *shown,
        callbacks.StopOnDivergence(steps),
        callbacks.SampleGrid(folder),
        history,
        callbacks.PeriodicMetrics(folder, config.eval_every, measured, history, say),
        *[made if isinstance(made, keras.callbacks.Callback) else made(history) for made in extra],
        callbacks.Checkpoint(folder, history, config=config, training_labels=paired),
    ]


def _training_images(config: RunConfig) -> tuple[np.ndarray, np.ndarray]:
    """The run's training images and labels: a seeded subset of `config.train_images` of MNIST's."""
    (x_train, y_train), _ = data.load_mnist()
    return data.take_subset(x_train, y_train, config.train_images, seed=config.seed)


def _timed(function, *args):
    """function(*args), and the seconds it took."""
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


# --- recorded runs -------------------------------------------------------------------------------

RESULTS = Path(__file__).resolve().parents[1] / "results"  # the experiment grids the chapters plot


@dataclass(frozen=True)
class RunRecord:
    """What a finished run leaves to plot (the chapters' recorded experiments): its config,
    history rows and measuring-kit reports, by epoch."""

    config: RunConfig
    history: list[dict]
    reports: list[dict]


def read_run(folder: str | Path) -> RunRecord:
    """A run folder's records: run.json, history.csv and metrics.jsonl."""
    folder = RunFolder(folder)
    return RunRecord(folder.read_config(), folder.read_history(), folder.read_reports())


def recorded_runs(experiment: str) -> dict[str, RunRecord]:
    """Every run shipped under `results/<experiment>/`, read with `read_run`, by folder name."""
    folder = RESULTS / experiment
    if not folder.is_dir():
        known = sorted(path.name for path in RESULTS.iterdir()) if RESULTS.is_dir() else []
        raise InputError(
            f"no recorded experiment {experiment!r}; known: {', '.join(known) or 'none'}"
        )
    return {run.name: read_run(run) for run in sorted(folder.iterdir()) if run.is_dir()}

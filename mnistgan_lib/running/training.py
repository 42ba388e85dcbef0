"""Training runs: a folder per run that a stopped run resumes from without losing a finished epoch.

    runs/dcgan/
      run.json             the preset, profile, seed, data and stabilization the run was started with
      history.csv          one row per finished epoch: losses, accuracies, training seconds
      metrics.jsonl        the measuring kit's report every `eval_every` epochs
      samples/epoch_*.png  the same fixed noise through the generator after each epoch
      samples.gif          all of those, as an animation
      checkpoints/         the last two epochs' weights and optimizer state, and latest.json
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from mnistgan_lib.core import config, data
from mnistgan_lib.running import callbacks
from mnistgan_lib.gans.gan import GAN, build_gan, get_preset
from mnistgan_lib.gans.stabilization import NONE, Stabilization


def _check_same_run(run_file: Path, settings: dict) -> None:
    """Refuse to resume a folder that holds a different run."""
    previous = json.loads(run_file.read_text())
    for key in ("model", "seed", "train_images", "stabilization"):
        if previous.get(key) != settings[key]:
            raise ValueError(
                f"{run_file.parent} holds a run with {key}={previous.get(key)!r}, not {settings[key]!r}; "
                "resume it with the same settings or choose another --out folder"
            )


def train(
    model: str,
    out: str | Path,
    profile: config.Profile | None = None,
    epochs: int | None = None,
    seed: int = 0,
    eval_every: int = 0,
    verbose: int = 0,
    extra_callbacks: list | None = None,
    stabilization: Stabilization = NONE,
) -> GAN:
    """Train preset `model` into folder `out` for `epochs` (default: the profile's), resuming what is there.

    Instance noise with `anneal_steps=0` is annealed to zero over the whole run.
    """
    profile = profile or config.get_profile()
    epochs = profile.epochs if epochs is None else epochs
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    preset = get_preset(model)
    (x_train, y_train), _ = data.load_mnist()
    images, labels = data.take_subset(x_train, y_train, profile.train_images, seed=seed)
    if stabilization.instance_noise > 0 and stabilization.anneal_steps == 0:
        stabilization = dataclasses.replace(stabilization, anneal_steps=epochs * (len(images) // preset.batch_size))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    settings = {"model": model, "seed": seed, "train_images": profile.train_images, "profile": profile.name,
                "stabilization": stabilization.as_dict() if stabilization.active else None}
    run_file = out / "run.json"
    if run_file.exists():
        _check_same_run(run_file, settings)
    else:
        callbacks.write_atomically(run_file, json.dumps(settings, indent=2))

    gan = build_gan(preset, seed=seed, stabilization=stabilization)
    done, seconds = callbacks.restore_checkpoint(gan, out / "checkpoints")
    _forget_after(out, done)
    if done >= epochs:
        return gan
    paired, preparing = _timed(gan.training_labels, images, labels)  # e.g. the default DCGAN's k-means clusters
    # Preparing the data is part of a run's training time; a resumed run repeats it only to rebuild what
    # the stopped one had, so it is counted once.
    seconds += preparing if done == 0 else 0.0
    dataset, steps = data.make_epoch_batches(images, preset.batch_size, seed, first_epoch=done, epochs=epochs, labels=paired)

    history = callbacks.HistoryCsv(out / "history.csv", seconds_before=seconds)
    chain = [
        callbacks.StopOnDivergence(steps),
        callbacks.SampleGrid(out / "samples"),
        history,
        callbacks.PeriodicMetrics(out / "metrics.jsonl", eval_every, profile.eval_samples, history),
        *(extra_callbacks or []),
        callbacks.Checkpoint(out / "checkpoints", history),  # last: it marks the epoch as done
    ]
    gan.fit(dataset, epochs=epochs, initial_epoch=done, steps_per_epoch=steps, callbacks=chain, verbose=verbose, shuffle=False)
    return gan


def _timed(function, *args):
    """function(*args), and the seconds it took."""
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def _forget_after(out: Path, epochs_done: int) -> None:
    """Drop records of an epoch that was interrupted before its checkpoint, so it is redone cleanly."""
    rows = callbacks.read_history(out / "history.csv")
    if any(row["epoch"] > epochs_done for row in rows):
        callbacks.write_history(out / "history.csv", [row for row in rows if row["epoch"] <= epochs_done])
    reports = callbacks.read_jsonl(out / "metrics.jsonl")
    if any(report["epoch"] > epochs_done for report in reports):
        kept = [report for report in reports if report["epoch"] <= epochs_done]
        callbacks.write_atomically(out / "metrics.jsonl", "".join(json.dumps(report) + "\n" for report in kept))


RESULTS = Path(__file__).resolve().parents[1] / "results"  # small records of experiment grids the chapters plot


def recorded_runs(experiment: str) -> dict[str, dict]:
    """Every run folder shipped under `results/<experiment>/`, read with `read_run`, by folder name."""
    folder = RESULTS / experiment
    if not folder.is_dir():
        known = sorted(path.name for path in RESULTS.iterdir()) if RESULTS.is_dir() else []
        raise ValueError(f"no recorded experiment {experiment!r}; known: {', '.join(known) or 'none'}")
    return {run.name: read_run(run) for run in sorted(folder.iterdir()) if run.is_dir()}


def read_run(folder: str | Path) -> dict:
    """A run folder's records: its settings (run.json), history rows and measuring-kit reports, by epoch."""
    folder = Path(folder)
    if not (folder / "run.json").is_file():
        raise ValueError(f"{folder} is not a training run folder (it has no run.json); give the --out folder of a run")
    return {
        "settings": json.loads((folder / "run.json").read_text()),
        "history": callbacks.read_history(folder / "history.csv"),
        "reports": callbacks.read_jsonl(folder / "metrics.jsonl"),
    }


def train_command(settings: dict, epochs: int, out: str | Path) -> str:
    """The `python -m mnistgan_lib train ...` command line that makes the run `settings` (a run.json) describes."""
    parts = ["python -m mnistgan_lib train", settings["model"], "--profile", settings["profile"]]
    known = config.PROFILES.get(settings["profile"])  # a test's own profile is not a command-line choice
    if settings["train_images"] != (known.train_images if known else None):
        parts += ["--train-images", str(settings["train_images"])]
    parts += ["--epochs", str(epochs), "--seed", str(settings["seed"]), "--eval-every", "1"]
    stabilization = settings.get("stabilization")
    if stabilization:
        low, high = stabilization["real_labels"]
        if (low, high) != (1.0, 1.0):
            parts += ["--real-labels", f"{low:g}"] + ([f"{high:g}"] if high != low else [])
        if stabilization["flip_probability"]:
            parts += ["--flip-labels", f"{stabilization['flip_probability']:g}"]
        if stabilization["instance_noise"]:
            parts += ["--instance-noise", f"{stabilization['instance_noise']:g}"]
    return " ".join(parts + ["--out", str(out)])

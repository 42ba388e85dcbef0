"""Training runs as values: a run's settings (`RunConfig`) and the folder it lives in (`RunFolder`).

A stopped run resumes from its folder without losing a finished epoch:

    runs/dcgan/
      run.json             its RunConfig: preset, seed, data, profile, epochs, stabilization
      history.csv          one row per finished epoch: losses, accuracies, training seconds
      metrics.jsonl        the measuring kit's report every `eval_every` epochs
      samples/epoch_*.png  the same fixed noise through the generator after each epoch
      samples.gif          all of those, as an animation
      checkpoints/         the last two epochs' weights, optimizer state by name, the classes
                           the images were paired with and checkpoint.json; latest.json names
                           the newest

Records and pointers are replaced in one step (written beside, then renamed), and
a checkpoint counts only once latest.json names it, so a run killed at any moment
resumes from its last whole epoch.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnistgan_lib import __version__
from mnistgan_lib.core import config as profiles
from mnistgan_lib.core import data
from mnistgan_lib.core.errors import InputError, InputTypeError
from mnistgan_lib.gans import presets
from mnistgan_lib.gans.stabilization import NONE, Stabilization

MNIST_TRAIN_IMAGES = 60_000
# What makes two configs the same run.
IDENTITY = ("model", "seed", "train_images", "passes", "stabilization")
HISTORY_START = ["epoch", "seconds"]  # then every metric the model logs, in its own order


# --- the settings -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """Everything that defines one training run (the DCGAN chapter's runs); run.json holds it."""

    model: str  # a preset name (python -m mnistgan_lib presets lists them)
    seed: int = 0  # initial weights, training noise, data subset and batch order all follow it
    train_images: int | None = None  # a seeded subset of MNIST's training set; None = all 60,000
    # Passes over the training images in one epoch. A small subset takes several, so that an
    # epoch (one checkpoint, one sample grid, one measurement) is not a few seconds long.
    passes: int = 1
    profile: str = profiles.DEFAULT_PROFILE  # a profile name: how many samples are measured
    epochs: int  # train until this many epochs are done; a resumed run may ask for more
    eval_every: int = 0  # measure samples with the kit every this many epochs (0: never)
    stabilization: Stabilization = NONE  # label smoothing, label flipping, instance noise
    library_version: str = __version__  # the mnistgan_lib that wrote run.json

    def __post_init__(self):
        presets.get_preset(self.model)  # a ValueError listing the presets there are
        self._check_count("seed", 0, "a whole number >= 0")
        self._check_count("epochs", 1, "a whole number >= 1")
        self._check_count("passes", 1, "a whole number >= 1 (passes over the images an epoch)")
        self._check_count("eval_every", 0, "a whole number >= 0 (0: never)")
        if self.train_images is not None:
            self._check_count("train_images", 1, "a positive whole number or None (all of them)")
            if self.train_images > MNIST_TRAIN_IMAGES:
                raise InputError(
                    f"train_images must be at most {MNIST_TRAIN_IMAGES:,} (MNIST's "
                    f"training set) or None (all), got {self.train_images:,}"
                )
            if self.train_images == MNIST_TRAIN_IMAGES:
                object.__setattr__(self, "train_images", None)  # two spellings of "all", one run
        object.__setattr__(self, "profile", profiles.get_profile(self.profile).name)
        if not isinstance(self.stabilization, Stabilization):
            raise InputTypeError(
                f"stabilization must be a Stabilization, got {type(self.stabilization).__name__}"
            )
        if not self.stabilization.active:
            object.__setattr__(self, "stabilization", NONE)  # settings that switch nothing on
        if not isinstance(self.library_version, str) or not self.library_version:
            raise InputError(
                f"library_version must be a version string, got {self.library_version!r}"
            )

    def _check_count(self, name: str, smallest: int, requirement: str) -> None:
        """Refuse field `name` unless it is a whole number >= `smallest`; keep it as an int."""
        value = getattr(self, name)
        if not (data.is_whole_number(value) and value >= smallest):
            raise InputError(f"{name} must be {requirement}, got {value!r}")
        object.__setattr__(self, name, int(value))  # a NumPy integer too: JSON holds only ints

    @classmethod
    def for_profile(
        cls,
        model: str,
        profile: str | None = None,
        *,
        epochs: int | None = None,
        train_images: int | None = None,
        **fields,
    ) -> RunConfig:
        """A config whose epochs and training images default to the run profile's (quick,
        standard, full; default: $MNISTGAN_PROFILE), as the train command's do."""
        chosen = profiles.get_profile(profile)
        epochs = chosen.epochs if epochs is None else epochs
        train_images = chosen.train_images if train_images is None else train_images
        return cls(
            model=model, profile=chosen.name, epochs=epochs, train_images=train_images, **fields
        )

    def as_dict(self) -> dict:
        """The settings as plain JSON-ready values (stabilization None when it is off)."""
        settings = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        noise = self.stabilization
        return {**settings, "stabilization": noise.as_dict() if noise.active else None}

    @classmethod
    def from_dict(cls, settings: dict, source: str = "the settings") -> RunConfig:
        """A config from `as_dict`'s values; `source` names where they came from in an error."""
        names = [field.name for field in dataclasses.fields(cls)]
        settings = {"passes": 1, **settings}  # run.json written before passes existed: one
        missing = [name for name in names if name not in settings]
        extra = [name for name in settings if name not in names]
        if missing or extra:
            raise InputError(
                f"{source} is not a run config of mnistgan_lib {__version__}: "
                + _listed(("it lacks", missing), ("it has unknown", extra))
            )
        stabilization = Stabilization.from_dict(settings["stabilization"])
        return cls(**{**settings, "stabilization": stabilization})

    def to_json(self) -> str:
        """The text of run.json."""
        return json.dumps(self.as_dict(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "run.json") -> RunConfig:
        """A config from the text of a run.json."""
        try:
            settings = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"{source} is not valid JSON ({error})") from None
        if not isinstance(settings, dict):
            raise InputError(f"{source} must hold a JSON object of run settings")
        return cls.from_dict(settings, source)

    def mismatch(self, other: RunConfig) -> str | None:
        """Why `other` is not this run, in words, e.g. 'the recorded run trained on 6,000 training
        images (a seeded subset), this one asks for all 60,000 training images' (None when it
        continues it: only epochs, eval_every, profile and the library version may differ)."""
        words = [
            f"the recorded run {_in_words(name, getattr(self, name))}, this one asks for "
            f"{_in_words(name, getattr(other, name), asked=True)}"
            for name in IDENTITY
            if getattr(self, name) != getattr(other, name)
        ]
        if _only_annealing_differs(self.stabilization, other.stabilization):
            words.append(
                "instance noise is annealed to zero over the whole run, so the run's "
                "length is fixed"
            )
        return "; ".join(words) or None

    def with_noise_schedule(self, steps_per_epoch: int) -> RunConfig:
        """This config with instance noise's "over the whole run" (anneal_steps=0) in steps."""
        noise = self.stabilization
        if noise.instance_noise == 0 or noise.anneal_steps > 0:
            return self
        return dataclasses.replace(
            self,
            stabilization=dataclasses.replace(noise, anneal_steps=self.epochs * steps_per_epoch),
        )

    def command(self, out: str | Path) -> str:
        """The `python -m mnistgan_lib train ...` line that makes this run in folder `out`."""
        parts = ["python -m mnistgan_lib train", self.model, "--profile", self.profile]
        known = profiles.PROFILES.get(self.profile)
        if self.train_images != (known.train_images if known else None):
            parts += ["--train-images", str(self.train_images or MNIST_TRAIN_IMAGES)]
        if self.passes != 1:
            parts += ["--passes", str(self.passes)]
        parts += [
            "--epochs",
            str(self.epochs),
            "--seed",
            str(self.seed),
            "--eval-every",
            str(self.eval_every),
        ]
        return " ".join(parts + _stabilization_flags(self.stabilization) + ["--out", str(out)])


def _only_annealing_differs(first: Stabilization, second: Stabilization) -> bool:
    """Whether two stabilizations differ in their annealing steps and nothing else."""
    unannealed = [dataclasses.replace(which, anneal_steps=0) for which in (first, second)]
    return first != second and unannealed[0] == unannealed[1]


def _in_words(name: str, value, asked: bool = False) -> str:
    """An identity field's value as the mismatch message says it (`asked`: what a config asks
    for, else what a recorded run did)."""
    if name == "train_images":
        count = "all 60,000" if value is None else f"{value:,}"
        subset = "" if value is None else " (a seeded subset, --train-images " + f"{value})"
        return ("" if asked else "trained on ") + f"{count} training images{subset}"
    if name == "stabilization":
        annealed = value.instance_noise and value.anneal_steps
        spelled = value.describe() + (f" over {value.anneal_steps} steps" if annealed else "")
        what = "no stabilization" if spelled == "none" else f"stabilization {spelled!r}"
        return what if asked else f"used {what}"
    verb = "trains" if name == "model" else "has"
    return f"{name} {value}" if asked else f"{verb} {name} {value}"


def _listed(*groups: tuple[str, list[str]], shown: int = 8) -> str:
    """Named groups of names in words, e.g. 'missing: a, b; extra: c' (long groups shortened)."""

    def spelled(names: list[str]) -> str:
        more = f" and {len(names) - shown} more" if len(names) > shown else ""
        return ", ".join(names[:shown]) + more

    return "; ".join(f"{what}: {spelled(names)}" for what, names in groups if names)


def _stabilization_flags(stabilization: Stabilization) -> list[str]:
    """The train command's options that switch on `stabilization`."""
    flags = []
    low, high = stabilization.real_labels
    if (low, high) != (1.0, 1.0):
        flags += ["--real-labels", f"{low:g}"] + ([f"{high:g}"] if high != low else [])
    if stabilization.flip_probability:
        flags += ["--flip-labels", f"{stabilization.flip_probability:g}"]
    if stabilization.instance_noise:
        flags += ["--instance-noise", f"{stabilization.instance_noise:g}"]
        if stabilization.anneal_steps:
            flags += ["--anneal-steps", str(stabilization.anneal_steps)]
    if stabilization.augment:
        flags += ["--augment"]
    if stabilization.targets_above_one:
        flags += ["--targets-above-one"]
    return flags


# --- the records, one file each -----------------------------------------------------------------


def write_atomically(path: Path, text: str) -> None:
    """Replace a text file in one step: a crash leaves the old or the new file, not half of one."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def read_history(path: str | Path) -> list[dict]:
    """The rows of a history CSV, numbers by column (empty when there is none yet)."""
    if not Path(path).exists():
        return []
    with open(path, newline="") as handle:
        return [{key: float(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def write_history(path: str | Path, rows: list[dict]) -> None:
    """Write history rows atomically."""
    fields = list(rows[0]) if rows else HISTORY_START
    lines = [",".join(fields)] + [",".join(f"{row[key]:g}" for key in fields) for row in rows]
    write_atomically(Path(path), "\n".join(lines) + "\n")


def read_jsonl(path: str | Path) -> list[dict]:
    """The records of a JSON-lines file (empty when there is none yet)."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_jsonl(path: str | Path, records: list[dict]) -> None:
    """Write JSON-lines records atomically."""
    write_atomically(Path(path), "".join(json.dumps(record) + "\n" for record in records))


# --- checkpoint state by name ---------------------------------------------------------------------


def _layer_keys(network) -> dict[str, str]:
    """Each trainable variable's path -> network-local name, e.g. 'conv2d_1/kernel'.

    Keras numbers unnamed layers across the whole process (dense_7 in the third
    model built), so the names count layers within this network only, as
    Keras's own weight files do.
    """
    keys, used = {}, {}
    for layer in network.layers:
        kind = _snake(type(layer).__name__)
        key = kind if kind not in used else f"{kind}_{used[kind]}"
        used[kind] = used.get(kind, 0) + 1
        for variable in layer.trainable_variables:
            keys[variable.path] = f"{key}/{variable.path.rsplit('/', 1)[-1]}"
    return keys


def _snake(name: str) -> str:
    """A class name in snake case (Conv2DTranspose -> conv2d_transpose, LeakyReLU -> leaky_relu)."""
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", name).lower()


def _optimizer_state(prefix: str, optimizer, network) -> dict[str, object]:
    """An optimizer's variables by name: prefix/iteration, prefix/<layer>/<variable>/<slot>, ..."""
    references = {path.replace("/", "_"): key for path, key in _layer_keys(network).items()}
    named = {}
    for variable in optimizer.variables:
        own = variable.path.split("/", 1)[-1]  # less the optimizer's process-wide name (adam_3)
        # A slot variable is named after its reference: '<reference path with _>_<slot>'.
        owner = max(
            (flat for flat in references if own.startswith(flat + "_")), key=len, default=None
        )
        slot = f"{references[owner]}/{own[len(owner) + 1 :]}" if owner else own
        name = f"{prefix}/{slot}"
        if name in named:
            raise RuntimeError(f"two variables of {prefix} are both named {name}")  # a bug here
        named[name] = variable
    return named


def state_variables(gan) -> dict[str, object]:
    """Every variable a resumed run needs besides the networks' weights, by a name that does not
    depend on the process: optimizer slots by layer, and the training noise stream."""
    return {
        **_optimizer_state("d_optimizer", gan.d_optimizer, gan.discriminator),
        **_optimizer_state("g_optimizer", gan.g_optimizer, gan.generator),
        "seed_generator": gan.seed_generator.state,
    }


TRAINING_LABELS = "training_labels"  # the classes the images were paired with (clusters, digits)


def smallest_integers(values: np.ndarray) -> np.ndarray:
    """Whole numbers in the smallest integer dtype that holds them (50 clusters: uint8)."""
    values = np.asarray(values)
    low, high = (int(values.min()), int(values.max())) if values.size else (0, 0)
    kinds = [f"{'u' if low >= 0 else ''}int{bits}" for bits in (8, 16, 32, 64)]
    fits = [kind for kind in kinds if np.iinfo(kind).min <= low and high <= np.iinfo(kind).max]
    return values.astype(fits[0])


@dataclass(frozen=True, eq=False)
class Progress:
    """How far a run got (from its latest checkpoint): epochs, training seconds, paired classes."""

    epochs: int = 0
    seconds: float = 0.0
    training_labels: np.ndarray | None = None  # what `GAN.training_labels` gave; None: not paired


# --- the folder -----------------------------------------------------------------------------------


class RunFolder:
    """One training run's folder: its config, records, samples and checkpoints (layout above)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.config_file = self.path / "run.json"
        self.history_file = self.path / "history.csv"
        self.metrics_file = self.path / "metrics.jsonl"
        self.samples = self.path / "samples"
        self.gif_file = self.path / "samples.gif"
        self.checkpoints = self.path / "checkpoints"

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def is_run(self) -> bool:
        """Whether the folder holds a run (it has a run.json)."""
        return self.config_file.is_file()

    # --- the config ---

    def read_config(self) -> RunConfig:
        """The run's config, from run.json."""
        if not self.is_run():
            raise InputError(
                f"{self.path} is not a training run folder (it has no run.json); "
                "give the --out folder of a run"
            )
        return RunConfig.from_json(self.config_file.read_text(), str(self.config_file))

    def write_config(self, config: RunConfig) -> None:
        """Record `config` as the run's run.json."""
        self.path.mkdir(parents=True, exist_ok=True)
        write_atomically(self.config_file, config.to_json())

    def check_usable(self, new_run: bool = True) -> None:
        """Refuse a path that cannot hold this run's files: an existing file, or (`new_run`) a
        folder that holds files but no run.json (it is some other folder, e.g. `.`)."""
        if self.path.exists() and not self.path.is_dir():
            raise InputError(
                f"{self.path} is a file, not a run folder; give --out a new folder or the folder "
                "of a run to resume"
            )
        if new_run and self.path.is_dir() and not self.is_run() and any(self.path.iterdir()):
            raise InputError(
                f"{self.path} is a folder with files in it but no run.json, so it is no training "
                "run; give --out a new or empty folder, or the folder of a run to resume"
            )

    def start(self, config: RunConfig) -> None:
        """Record `config` in a new folder, or check that the folder holds the same run and
        record the config that continues it (more epochs, another eval_every or profile)."""
        self.check_usable(new_run=False)
        if self.is_run():
            recorded = self.read_config()
            why = recorded.mismatch(config)
            if why:
                # The recorded run's own settings, continued to the epochs asked for if it can be.
                fixed_length = recorded.stabilization.instance_noise > 0
                continued = (
                    recorded
                    if fixed_length
                    else dataclasses.replace(recorded, epochs=max(config.epochs, recorded.epochs))
                )
                raise InputError(
                    f"{self.path} holds another run: {why}. Resume it with its own settings: "
                    f"{continued.command(self.path)}; or choose another --out folder"
                )
            if recorded == config or config.epochs <= self.epochs_done():
                return  # nothing new to record, or nothing left to train: the record stands
        self.write_config(config)

    # --- per-epoch records ---

    def read_history(self) -> list[dict]:
        """One row per finished epoch: epoch, cumulative training seconds, every logged metric."""
        return read_history(self.history_file)

    def add_history_row(self, row: dict) -> None:
        """Append epoch `row["epoch"]`'s row."""
        write_history(self.history_file, self.read_history() + [row])

    def read_reports(self) -> list[dict]:
        """The measuring kit's reports, one per measured epoch."""
        return read_jsonl(self.metrics_file)

    def add_report(self, report: dict) -> None:
        """Record epoch `report["epoch"]`'s report, replacing any of that epoch or later."""
        kept = [line for line in self.read_reports() if line["epoch"] < report["epoch"]]
        write_jsonl(self.metrics_file, kept + [report])

    def forget_after(self, epochs_done: int) -> None:
        """Drop records of epochs after `epochs_done` (one cut short before its checkpoint), so
        they are redone cleanly."""
        rows = self.read_history()
        if any(row["epoch"] > epochs_done for row in rows):
            write_history(self.history_file, [row for row in rows if row["epoch"] <= epochs_done])
        reports = self.read_reports()
        if any(report["epoch"] > epochs_done for report in reports):
            kept = [report for report in reports if report["epoch"] <= epochs_done]
            write_jsonl(self.metrics_file, kept)

    def save_samples(self, epoch: int, grid) -> Path:
        """Save epoch `epoch`'s sample grid (a PIL image) as samples/epoch_NNN.png."""
        self.samples.mkdir(parents=True, exist_ok=True)
        path = self.samples / f"epoch_{epoch:03d}.png"
        grid.save(path)
        return path

    def write_gif(self) -> None:
        """samples.gif: every epoch's sample grid in turn."""
        from PIL import Image

        frames = [Image.open(path) for path in sorted(self.samples.glob("epoch_*.png"))]
        if frames:
            frames[0].save(
                self.gif_file, save_all=True, append_images=frames[1:], duration=400, loop=0
            )

    # --- checkpoints ---

    def latest_checkpoint(self) -> Path:
        """The newest checkpoint's folder."""
        pointer = self.checkpoints / "latest.json"
        if not pointer.exists():
            raise InputError(
                f"{self.path} has no finished epoch yet; train it first "
                "(python -m mnistgan_lib train ...)"
            )
        return self.checkpoints / json.loads(pointer.read_text())["folder"]

    def latest_weights(self, network: str) -> Path:
        """The newest checkpoint's weights of `network`: generator, ema_generator, discriminator."""
        return self.latest_checkpoint() / _weights_file(network)

    def checkpoint_info(self) -> dict | None:
        """The newest checkpoint's checkpoint.json (epoch, seconds, library_version, config), or
        None before the first."""
        if not (self.checkpoints / "latest.json").exists():
            return None
        info = self.latest_checkpoint() / "checkpoint.json"
        if not info.is_file():
            raise InputError(
                f"checkpoint {info.parent} has no checkpoint.json: an older "
                "mnistgan_lib wrote it; train into another --out folder"
            )
        return json.loads(info.read_text())

    def epochs_done(self) -> int:
        """How many epochs the newest checkpoint holds (0 before the first)."""
        info = self.checkpoint_info()
        return 0 if info is None else int(info["epoch"])

    def save_checkpoint(
        self,
        gan,
        epoch: int,
        seconds: float,
        config: RunConfig,
        training_labels: np.ndarray | None = None,
        keep: int = 2,
    ) -> Path:
        """Write checkpoint `epoch` into its own folder, then point latest.json at it at once."""
        target = self.checkpoints / f"epoch_{epoch:04d}"
        target.mkdir(parents=True, exist_ok=True)
        for name, network in _networks(gan).items():
            network.save_weights(target / _weights_file(name))
        state = {name: np.asarray(variable) for name, variable in state_variables(gan).items()}
        if training_labels is not None:
            state[TRAINING_LABELS] = smallest_integers(training_labels)
        np.savez(target / "state.npz", **state)
        info = {
            "epoch": epoch,
            "seconds": seconds,
            "library_version": __version__,
            "config": config.as_dict(),
        }
        write_atomically(target / "checkpoint.json", json.dumps(info, indent=2) + "\n")
        # The commit point: until latest.json names the new folder, a resumed run uses the old one.
        pointer = json.dumps({"folder": target.name}) + "\n"
        write_atomically(self.checkpoints / "latest.json", pointer)
        for old in sorted(self.checkpoints.glob("epoch_*"))[:-keep]:
            for file in old.iterdir():
                file.unlink()
            old.rmdir()
        return target

    def restore_checkpoint(self, gan, config: RunConfig) -> Progress:
        """Load the newest checkpoint into `gan` (built for `config`); Progress() if none yet."""
        info = self.checkpoint_info()
        if info is None:
            return Progress()
        source = self.latest_checkpoint()
        why = RunConfig.from_dict(info["config"], f"{source}/checkpoint.json").mismatch(config)
        if why:
            raise InputError(f"checkpoint {source} was saved by another run: {why}")
        gan.build_optimizers()
        variables = state_variables(gan)
        with np.load(source / "state.npz", allow_pickle=False) as saved:
            values = {name: saved[name] for name in saved.files}
        labels = values.pop(TRAINING_LABELS, None)
        missing, extra = sorted(set(variables) - set(values)), sorted(set(values) - set(variables))
        if missing or extra:
            raise InputError(
                f"checkpoint {source}/state.npz does not fit a {config.model} "
                "model: " + _listed(("missing", missing), ("not in the model", extra))
            )
        for name, network in _networks(gan).items():
            network.load_weights(source / _weights_file(name))
        for name, variable in variables.items():
            variable.assign(values[name])
        return Progress(int(info["epoch"]), float(info["seconds"]), labels)


def _networks(gan) -> dict:
    """The networks a checkpoint holds, by file name."""
    networks = {"generator": gan.generator, "discriminator": gan.discriminator}
    if gan.ema_generator is not None:
        networks["ema_generator"] = gan.ema_generator
    return networks


def _weights_file(network: str) -> str:
    """The file a checkpoint keeps `network`'s weights in."""
    return f"{network}.weights.h5"

"""The command line: `mnistgan COMMAND ...` (or `python -m mnistgan_lib COMMAND ...`), where
COMMAND is one of train, presets, sample, evaluate, export, train-judge, train-dae, noisy, denoise
and psnr-table. `mnistgan COMMAND --help` describes each."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mnistgan_lib.core.errors import (
    EXIT_DIVERGED,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    InputError,
    MnistganError,
    UsageError,
    reported,
)

if TYPE_CHECKING:  # the commands import the library only when they run, so that --help is quick
    from mnistgan_lib.running.runs import RunConfig

MNIST_TRAIN_IMAGES = 60_000  # runs.MNIST_TRAIN_IMAGES, without importing TensorFlow for --help
MNIST_TEST_IMAGES = 10_000
# pixels.ACCEPTED_RANGES in short, for --help (importing pixels would make --help slower)
ACCEPTED = "(N, 28, 28[, 1]) as 0..255, [0, 1] or [-1, 1]"
EPILOG = f"""\
images:
  every command that reads images takes a .npy file (numpy.save) of shape (N, 28, 28) or
  (N, 28, 28, 1) holding integers 0..255 (e.g. uint8), floats in [0, 1], floats in [-1, 1]
  (any negative pixel means [-1, 1]) or floats in [0, 255] (any pixel above 1).
  sample writes float32 (N, 28, 28) in [-1, 1]; noisy and denoise write float32 in [0, 1].

exit codes:
  0    done
  {EXIT_INPUT}    a bad input: a file, a value or an output path (the message says which and why)
  {EXIT_USAGE}    the command line is wrong (an unknown option, a value out of range)
  {EXIT_DIVERGED}    a training run diverged (a loss became NaN); its last good epoch is kept
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C); train says which epochs are saved and how to resume
"""


def program() -> str:
    """How the user called the command line: `mnistgan` (the console script) or `python -m`."""
    return "mnistgan" if Path(sys.argv[0]).name == "mnistgan" else "python -m mnistgan_lib"


def _train_judge(arguments: argparse.Namespace) -> None:
    from mnistgan_lib.measuring import judge

    model, accuracy = judge.train_judge(epochs=arguments.epochs, seed=arguments.seed)
    print(f"judge test accuracy: {accuracy:.4f}")
    if accuracy < 0.99:
        raise MnistganError(
            f"test accuracy {accuracy:.4f} is below 0.99; not shipping these weights "
            "(try more --epochs or another --seed)"
        )
    path = judge.save_judge(
        model, accuracy, arguments.epochs, arguments.seed, directory=arguments.out
    )
    print(f"saved {path} and its card")


def number_type(convert: type, accept, requirement: str, name: str):
    """An argparse type that converts with `convert` and accepts values passing `accept`, else
    says `requirement`."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text}")
        return value

    parse.__name__ = name
    return parse


positive_int = number_type(int, lambda value: value >= 1, "a positive integer", "positive_int")
non_negative_int = number_type(int, lambda value: value >= 0, "0 or more", "non_negative_int")
variance = number_type(
    float,
    lambda value: np.isfinite(value) and value >= 0,
    "a finite number >= 0 (a variance, sigma squared)",
    "variance",
)
standard_deviation = number_type(
    float,
    lambda value: np.isfinite(value) and value >= 0,
    "a finite number >= 0 (a standard deviation)",
    "standard_deviation",
)
probability = number_type(
    float, lambda value: 0.0 <= value <= 1.0, "a probability in [0, 1]", "probability"
)
label_target = number_type(
    float,
    lambda value: np.isfinite(value) and value >= 0,
    "a target >= 0 (at most 1 unless --targets-above-one)",
    "label_target",
)
digit = number_type(int, lambda value: 0 <= value <= 9, "a digit from 0 to 9", "digit")
train_images = number_type(
    int,
    lambda value: 1 <= value <= MNIST_TRAIN_IMAGES,
    f"a whole number from 1 to {MNIST_TRAIN_IMAGES:,} (MNIST's training set)",
    "train_images",
)
test_digits = number_type(
    int,
    lambda value: 1 <= value <= MNIST_TEST_IMAGES,
    f"a whole number from 1 to {MNIST_TEST_IMAGES:,} (MNIST's test set)",
    "test_digits",
)


def load_array(path: Path, what: str) -> np.ndarray:
    """Read a `.npy` array without pickle, or raise an InputError that says what the file is."""
    from mnistgan_lib.core import files

    return files.read_npy(path, what)


def load_images(path: Path, what: str) -> np.ndarray:
    """Images from a `.npy` file in any accepted range (`pixels.ACCEPTED_RANGES`) as float32
    (N, 28, 28) in [0, 1]."""
    from mnistgan_lib.core import pixels

    return pixels.as_unit_range(load_array(path, what), f"the {what} in {path}")


def check_output_file(path: Path, option: str = "--out") -> None:
    """Refuse, before any work, an output path that numpy.save would not write as given: one
    whose folder is missing, one that is a folder, or one without the .npy suffix (numpy.save
    would add it)."""
    if path.is_dir():
        raise InputError(f"{option} {path} is a folder; give the path of a .npy file to write")
    if path.suffix != ".npy":
        raise InputError(
            f"{option} {path} does not end in .npy; numpy.save would write {path}.npy instead. "
            f"Give a .npy file name, e.g. {path.with_suffix('.npy')}"
        )
    if not path.parent.is_dir():
        raise InputError(
            f"the folder of {option} {path} does not exist; create it or give another path"
        )


def _presets(arguments: argparse.Namespace) -> None:
    from mnistgan_lib.gans.presets import PRESETS

    width = max(map(len, PRESETS))
    for name, preset in PRESETS.items():
        print(f"{name:<{width}}  {preset.summary}")


def _train_dae(arguments: argparse.Namespace) -> None:
    from mnistgan_lib.denoising import autoencoder

    _, card = autoencoder.train_and_ship(
        arguments.variance,
        epochs=arguments.epochs,
        seed=arguments.seed,
        directory=arguments.out,
        verbose=True,
        min_gain=arguments.min_gain,
    )
    row = card["psnr_at_0.25"]
    print(
        f"at sigma^2 = 0.25 on all 10,000 test digits: noisy {row['noisy']:.2f} dB, "
        f"best classical ({row['best_classical_filter']}) {row['best_classical']:.2f} dB, "
        f"autoencoder {row['autoencoder']:.2f} dB ({row['gain_db']:+.2f} dB)"
    )
    print(f"saved {card['file']} and its card in {arguments.out or 'the package weights folder'}")


def _denoise(arguments: argparse.Namespace) -> None:
    from mnistgan_lib.denoising import autoencoder

    check_output_file(arguments.out)
    noisy = load_images(arguments.input, "noisy images")
    model = autoencoder.load_denoiser(arguments.model)
    restored = autoencoder.denoise(model, noisy, name=f"the images in {arguments.input}")
    np.save(arguments.out, restored)
    print(
        f"denoised {len(restored):,} images with {arguments.model}; saved {restored.shape} "
        f"float32 in [0, 1] to {arguments.out}"
    )


def _noisy(arguments: argparse.Namespace) -> None:
    from mnistgan_lib.denoising import autoencoder
    from mnistgan_lib.measuring import corrupt

    for option, path in (("--out", arguments.out), ("--clean", arguments.clean)):
        if path is not None:
            check_output_file(path, option)
    clean = autoencoder.clean_test_digits(arguments.n)
    noisy = corrupt.add_gaussian_noise(clean, arguments.variance, seed=arguments.seed)
    np.save(arguments.out, noisy.astype(np.float32))
    if arguments.clean is not None:
        np.save(arguments.clean, clean.astype(np.float32))
    also = f" (and the clean digits to {arguments.clean})" if arguments.clean else ""
    print(
        f"saved the first {len(noisy):,} MNIST test digits with Gaussian noise of variance "
        f"{arguments.variance:g} (seed {arguments.seed}), clipped to [0, 1], as {noisy.shape} "
        f"float32 to {arguments.out}{also}"
    )


def _psnr_table(arguments: argparse.Namespace) -> None:
    from mnistgan_lib.denoising import autoencoder

    model = autoencoder.load_denoiser(arguments.model)
    clean = autoencoder.clean_test_digits(arguments.images)
    print(autoencoder.psnr_table(model, clean, arguments.variances, model_name=arguments.model))


def _evaluate(arguments: argparse.Namespace) -> None:
    from mnistgan_lib.measuring import metrics

    if (arguments.samples is None) == (arguments.model is None):
        raise UsageError("give either a SAMPLES.npy file or --model NAME, not both or neither")
    labels = load_array(arguments.labels, "labels") if arguments.labels else None
    if arguments.model is not None:
        from mnistgan_lib.running import sampling

        samples, drawn_labels = sampling.sample_model(
            arguments.model, n=arguments.n, seed=arguments.seed
        )
        if drawn_labels is not None:  # a conditional model knows its labels
            labels = drawn_labels
    else:
        samples = load_array(arguments.samples, "samples")
    report = metrics.evaluate(samples, labels=labels)
    print(json.dumps(report.as_dict(), indent=2) if arguments.json else report)


def run_config(arguments: argparse.Namespace) -> RunConfig:
    """The RunConfig the `train` command's arguments describe (`RunConfig.command` in reverse)."""
    from mnistgan_lib.gans.stabilization import Stabilization
    from mnistgan_lib.running.runs import RunConfig

    low, *high = arguments.real_labels
    if arguments.anneal_steps and not arguments.instance_noise:
        raise InputError(
            f"--anneal-steps {arguments.anneal_steps} anneals instance noise, but the run "
            "has none: add --instance-noise STD (e.g. 0.2) or leave out --anneal-steps"
        )
    stabilization = Stabilization(
        real_labels=(low, high[0] if high else low),
        flip_probability=arguments.flip_labels,
        instance_noise=arguments.instance_noise,
        anneal_steps=arguments.anneal_steps,
        augment=arguments.augment,
        targets_above_one=arguments.targets_above_one,
    )
    # --train-images: a seeded subset, for many short runs (the stabilization chapter's grid).
    return RunConfig.for_profile(
        arguments.model,
        arguments.profile,
        epochs=arguments.epochs,
        train_images=arguments.train_images,
        passes=arguments.passes,
        seed=arguments.seed,
        eval_every=arguments.eval_every,
        stabilization=stabilization,
    )


def _train(arguments: argparse.Namespace) -> None:
    from mnistgan_lib.running import training
    from mnistgan_lib.running.runs import RunFolder

    config = run_config(arguments)
    out = arguments.out or Path("runs") / arguments.model
    RunFolder(out).check_usable()
    live = sys.stdout.isatty()  # a terminal: the epoch's line is redrawn as it goes
    try:
        training.train(config, out, verbose=1 if live else 2)
    except KeyboardInterrupt:
        if live:
            print(flush=True)  # below the unfinished progress line
        print(interrupted(config, out), file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    print(f"run folder: {out} ({', '.join(run_files(out))})")


def interrupted(config: RunConfig, out: Path) -> str:
    """What an interrupted `train` says: which epochs are safe, and the command that resumes."""
    from mnistgan_lib.running.runs import RunFolder

    try:
        done = RunFolder(out).epochs_done()
    except (MnistganError, OSError, ValueError):  # interrupted while writing its first records
        done = 0
    command = config.command(out)
    if done >= config.epochs:  # after the last checkpoint, e.g. while writing samples.gif
        return f"interrupted after the last epoch; all {done} epochs are saved in {out}"
    where = f"interrupted during epoch {done + 1} of {config.epochs}"
    if done == 0:
        return f"{where}; no epoch was finished, so nothing is saved. Start again with: {command}"
    saved = "epoch 1 is" if done == 1 else f"epochs 1-{done} are"
    return f"{where}; {saved} saved in {out}. Resume with: {command}"


def run_files(out: Path) -> list[str]:
    """The records a run folder holds now, in the order the runs module describes them."""
    from mnistgan_lib.running.runs import RunFolder

    folder = RunFolder(out)
    grids = len(list(folder.samples.glob("epoch_*.png"))) if folder.samples.is_dir() else 0
    listed = [
        (folder.config_file, "run.json"),
        (folder.history_file, "history.csv"),
        (folder.metrics_file, "metrics.jsonl"),
        (folder.samples, f"samples/ ({grids} grid{'s' if grids != 1 else ''})"),
        (folder.gif_file, "samples.gif"),
        (folder.checkpoints, "checkpoints/"),
    ]
    return [name for path, name in listed if path.exists()]


def _sample(arguments: argparse.Namespace) -> None:
    from mnistgan_lib.running import sampling

    check_output_file(arguments.out)
    samples, labels = sampling.sample_model(
        arguments.model, n=arguments.n, seed=arguments.seed, label=arguments.label
    )
    np.save(arguments.out, samples.astype(np.float32))
    which = (
        ""
        if labels is None
        else f" of digit {arguments.label}"
        if arguments.label is not None
        else " (every digit equally often, 0 to 9 in turn)"
    )
    print(
        f"saved {len(samples):,} samples{which} of shape {samples.shape[1:]} in [-1, 1] "
        f"to {arguments.out}"
    )


CARD_METRICS = ("fd_mnist", "classifier_score", "coverage_min_fraction")  # per epoch, on a card


def _export(arguments: argparse.Namespace) -> None:
    from mnistgan_lib.core import pretrained
    from mnistgan_lib.measuring import metrics
    from mnistgan_lib.running import sampling
    from mnistgan_lib.running.runs import RunFolder

    run = Path(arguments.run)
    folder = RunFolder(run)
    config = folder.read_config()
    check_export_names(arguments.name, arguments.out, arguments.force)
    generator, preset = sampling.load_generator(str(run))
    discriminator = sampling.load_discriminator(str(run))
    history = folder.read_history()
    reports = {report["epoch"]: report for report in folder.read_reports()}
    report = metrics.evaluate(*sampling.sample_model(str(run), n=10_000, seed=0))
    # The command that makes these weights: as many epochs as the run has finished.
    trained = dataclasses.replace(config, epochs=int(history[-1]["epoch"]))
    card = {
        "name": arguments.name,
        "preset": preset,
        "role": "generator",
        "what": "the generator (its weight average where the preset keeps one) of a training run",
        "command": trained.command(run),
        "export": f"python -m mnistgan_lib export {run} --name {arguments.name}",
        "training_seconds": history[-1]["seconds"],
        "evaluate": f"python -m mnistgan_lib evaluate --model {arguments.name}  "
        "(10,000 samples, seed 0)",
        "metrics": report.as_dict(),
        "history": [
            {
                **row,
                **{
                    key: reports[row["epoch"]][key]
                    for key in CARD_METRICS
                    if row["epoch"] in reports
                },
            }
            for row in history
        ],
    }
    path = pretrained.save_with_card(generator, arguments.name, card, arguments.out)
    critic = f"{arguments.name}-discriminator"
    critic_card = {
        **{key: card[key] for key in ("preset", "command", "export")},
        "name": critic,
        "role": "discriminator",
    }
    pretrained.save_with_card(discriminator, critic, critic_card, arguments.out)
    print(report)
    print(f"saved {path}, the discriminator beside it, and their cards")


def check_export_names(name: str, out: Path | None, force: bool) -> None:
    """Refuse a name that is no plain file name, or (without `force`) one already shipped."""
    from mnistgan_lib.core import pretrained

    if not name or Path(name).name != name or name.startswith("."):
        raise InputError(f"--name {name!r} must be a plain file name, e.g. dcgan-mine")
    folder = out if out is not None else pretrained.WEIGHTS_DIR
    taken = [
        path.name
        for shipped in (name, f"{name}-discriminator")
        for path in (folder / f"{shipped}.json", folder / f"{shipped}.weights.h5")
        if path.exists()
    ]
    if taken and not force:
        raise InputError(
            f"{folder} already holds a model called {name!r} ({', '.join(taken)}); exporting "
            "would replace it. Give another --name, or add --force to replace it"
        )


def _npy_option(command: argparse.ArgumentParser, flag: str, what: str, required=True) -> None:
    """An option naming a .npy file the command writes (its folder and suffix are checked first)."""
    command.add_argument(flag, type=Path, required=required, default=None, help=f".npy {what}")


def parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    top = argparse.ArgumentParser(
        prog=program(),
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (
        _add_train,
        _add_presets_sample_export,
        _add_shipping,
        _add_denoising,
        _add_evaluate,
    ):
        add(commands)
    for command in commands.choices.values():  # every command's --help lists the exit codes too
        command.epilog, command.formatter_class = EPILOG, argparse.RawDescriptionHelpFormatter
    return top


def _add_train(commands) -> None:
    """The `train` command: a RunConfig's fields as options (`run_config` reads them back)."""
    from mnistgan_lib.core.config import PROFILES

    train = commands.add_parser(
        "train", help="train a GAN preset; an interrupted run resumes from its last epoch"
    )
    train.add_argument(
        "model", help="a preset, e.g. dcgan (python -m mnistgan_lib presets lists them)"
    )
    train.add_argument(
        "--profile", choices=list(PROFILES), default=None, help="default: $MNISTGAN_PROFILE"
    )
    train.add_argument("--epochs", type=positive_int, default=None, help="default: the profile's")
    train.add_argument("--seed", type=non_negative_int, default=0)
    train.add_argument(
        "--train-images",
        type=train_images,
        default=None,
        metavar="N",
        help="train on a seeded subset of N of MNIST's 60,000 training images "
        "(default: the profile's)",
    )
    train.add_argument(
        "--passes",
        type=positive_int,
        default=1,
        metavar="K",
        help="passes over the training images in one epoch (default 1; a small "
        "--train-images takes several, so an epoch is long enough to measure)",
    )
    train.add_argument(
        "--eval-every",
        type=non_negative_int,
        default=0,
        help="measure samples every N epochs (0: never)",
    )
    train.add_argument("--out", type=Path, default=None, help="run folder (default: runs/MODEL)")
    train.add_argument(
        "--real-labels",
        type=label_target,
        nargs="+",
        default=[1.0],
        metavar="P",
        help="one-sided label smoothing: the real target (e.g. 0.9) or a range LOW "
        "HIGH (e.g. 0.9 1.0)",
    )
    train.add_argument(
        "--flip-labels",
        type=probability,
        default=0.0,
        metavar="P",
        help="noisy labels: swap each real/fake label with probability P (default 0)",
    )
    train.add_argument(
        "--instance-noise",
        type=standard_deviation,
        default=0.0,
        metavar="STD",
        help="Gaussian noise of this std added to the discriminator's inputs, "
        "annealed to 0 (default 0)",
    )
    train.add_argument(
        "--anneal-steps",
        type=non_negative_int,
        default=0,
        metavar="STEPS",
        help="discriminator steps over which --instance-noise falls to 0 "
        "(default 0: the whole run)",
    )
    train.add_argument(
        "--augment",
        action="store_true",
        help="differentiable augmentation: the same random shifts and cutouts on the "
        "real and fake images the discriminator sees",
    )
    train.add_argument(
        "--targets-above-one",
        action="store_true",
        help="allow --real-labels above 1 (the source's 0.9 1.1), which leaves the "
        "discriminator's loss unbounded below; for demonstrating that failure only",
    )
    train.set_defaults(handler=_train)


def _add_presets_sample_export(commands) -> None:
    """The commands that list presets, draw from a model and ship a run's generator."""
    presets = commands.add_parser("presets", help="list the models `train` knows")
    presets.set_defaults(handler=_presets)

    sample = commands.add_parser(
        "sample", help="draw digits from a shipped generator or a training run"
    )
    sample.add_argument(
        "--model", required=True, help="a shipped name (e.g. dcgan) or a run folder"
    )
    sample.add_argument("--n", type=positive_int, default=10_000)
    sample.add_argument("--seed", type=non_negative_int, default=0)
    sample.add_argument(
        "--label", type=digit, default=None, help="a conditional model draws only this digit (0-9)"
    )
    _npy_option(sample, "--out", "file for the samples: float32 (N, 28, 28) in [-1, 1]")
    sample.set_defaults(handler=_sample)

    export = commands.add_parser(
        "export", help="ship a training run's generator into the package with a card"
    )
    export.add_argument("run", type=Path, help="the run folder")
    export.add_argument("--name", required=True, help="the name to ship it under, e.g. dcgan")
    export.add_argument(
        "--out", type=Path, default=None, help="folder (default: the package's weights)"
    )
    export.add_argument(
        "--force", action="store_true", help="replace a model already shipped under --name"
    )
    export.set_defaults(handler=_export)


def _add_shipping(commands) -> None:
    """The commands that train and ship the judge and the denoising autoencoder."""
    train_judge = commands.add_parser(
        "train-judge", help="train the MNIST judge classifier and ship its weights"
    )
    train_judge.add_argument("--epochs", type=positive_int, default=4)
    train_judge.add_argument("--seed", type=non_negative_int, default=0)
    train_judge.add_argument(
        "--out", type=Path, default=None, help="folder for the weights (default: the package's)"
    )
    train_judge.set_defaults(handler=_train_judge)

    train_dae = commands.add_parser(
        "train-dae", help="train the denoising autoencoder and ship its weights"
    )
    train_dae.add_argument(
        "--variance",
        type=variance,
        default=0.25,
        help="sigma^2 of the training noise (default 0.25)",
    )
    train_dae.add_argument("--epochs", type=positive_int, default=8)
    train_dae.add_argument("--seed", type=non_negative_int, default=0)
    train_dae.add_argument(
        "--min-gain",
        type=float,
        default=5.0,
        help="ship only if it beats the best classical filter by this many dB "
        "at its variance (default 5)",
    )
    train_dae.add_argument(
        "--out", type=Path, default=None, help="folder for the weights (default: the package's)"
    )
    train_dae.set_defaults(handler=_train_dae)


def _add_denoising(commands) -> None:
    """The commands that denoise digits and tabulate PSNR."""
    denoise = commands.add_parser(
        "denoise", help="remove Gaussian noise from digits with a shipped denoiser"
    )
    denoise.add_argument("--model", default="dae", help="a shipped denoiser (default: dae)")
    denoise.add_argument(
        "--in",
        dest="input",
        type=Path,
        required=True,
        help=f".npy of noisy digits {ACCEPTED} (e.g. from the noisy command)",
    )
    denoise.add_argument(
        "--out",
        type=Path,
        required=True,
        help=".npy for the denoised (N, 28, 28) float32 in [0, 1]",
    )
    denoise.set_defaults(handler=_denoise)

    noisy = commands.add_parser(
        "noisy",
        help="write MNIST test digits with Gaussian noise of a chosen variance, for denoise",
    )
    noisy.add_argument(
        "--variance",
        type=variance,
        default=0.25,
        help="sigma^2 of the noise added to pixels in [0, 1] (default 0.25); then clipped",
    )
    noisy.add_argument(
        "--n",
        type=test_digits,
        default=1_000,
        help="the first N test digits (default 1,000; at most 10,000)",
    )
    noisy.add_argument("--seed", type=non_negative_int, default=0, help="noise seed (default 0)")
    _npy_option(noisy, "--out", "for the noisy digits: float32 in [0, 1]")
    _npy_option(noisy, "--clean", "for the same digits without noise (float32 in [0, 1])", False)
    noisy.set_defaults(handler=_noisy)

    psnr_table = commands.add_parser(
        "psnr-table", help="PSNR of a denoiser and the classical filters on MNIST test digits"
    )
    psnr_table.add_argument("--model", default="dae", help="a shipped denoiser (default: dae)")
    psnr_table.add_argument(
        "--images",
        type=positive_int,
        default=10_000,
        help="the first N test digits (default: all 10,000)",
    )
    psnr_table.add_argument(
        "--variances",
        type=variance,
        nargs="+",
        default=[0.01, 0.05, 0.1, 0.25, 0.5, 1.0],
        help="noise variances sigma^2 (default: 0.01 0.05 0.1 0.25 0.5 1)",
    )
    psnr_table.set_defaults(handler=_psnr_table)


def _add_evaluate(commands) -> None:
    """The `evaluate` command: the measuring kit on a file of samples or a model's."""
    evaluate = commands.add_parser(
        "evaluate", help="measure generated digits against the MNIST test set"
    )
    evaluate.add_argument(
        "samples",
        nargs="?",
        type=Path,
        help=f".npy of samples {ACCEPTED}",
    )
    evaluate.add_argument(
        "--model", help="a shipped or trained generator to sample from instead of a file"
    )
    evaluate.add_argument(
        "--n",
        type=positive_int,
        default=10_000,
        help="samples to draw with --model (default 10,000)",
    )
    evaluate.add_argument(
        "--seed", type=non_negative_int, default=0, help="noise seed with --model"
    )
    evaluate.add_argument(
        "--labels", type=Path, help=".npy of requested labels, for a conditional model's samples"
    )
    evaluate.add_argument("--json", action="store_true", help="print JSON instead of a table")
    evaluate.set_defaults(handler=_evaluate)


def main(argv: list[str] | None = None) -> None:
    """Parse `argv` and run the chosen command; the library's errors (MnistganError) end it with
    their message and exit code, any other exception is a bug and shows its traceback."""
    arguments = parser().parse_args(argv)
    try:
        with reported():
            arguments.handler(arguments)
    except KeyboardInterrupt:  # train says more itself
        print(f"interrupted: {arguments.command} stopped", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None

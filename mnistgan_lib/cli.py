"""The command line: `python -m mnistgan_lib {train,sample,evaluate,export,train-judge} ...`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def _train_judge(arguments: argparse.Namespace) -> None:
    from mnistgan_lib import judge

    model, accuracy = judge.train_judge(epochs=arguments.epochs, seed=arguments.seed)
    print(f"judge test accuracy: {accuracy:.4f}")
    if accuracy < 0.99:
        sys.exit(f"test accuracy {accuracy:.4f} is below 0.99; not shipping these weights")
    path = judge.save_judge(model, accuracy, arguments.epochs, arguments.seed, directory=arguments.out)
    print(f"saved {path} and its card")


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """An argparse type: an integer of at least 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def load_array(path: Path, what: str) -> np.ndarray:
    """Read a `.npy` array without pickle, or exit with a message that names the file and the fix."""
    if not path.is_file():
        sys.exit(f"error: {what} file {path} does not exist; give the path of a .npy file")
    try:
        return np.load(path, allow_pickle=False)
    except Exception as error:  # not .npy, truncated, or pickled objects: the same advice applies
        sys.exit(f"error: {path} cannot be read as a .npy array ({error}); save it with numpy.save")


def _evaluate(arguments: argparse.Namespace) -> None:
    from mnistgan_lib import metrics

    if (arguments.samples is None) == (arguments.model is None):
        sys.exit("error: give either a SAMPLES.npy file or --model NAME, not both or neither")
    labels = load_array(arguments.labels, "labels") if arguments.labels else None
    if arguments.model is not None:
        from mnistgan_lib import sampling

        samples, labels = sampling.sample_model(arguments.model, n=arguments.n, seed=arguments.seed)
    else:
        samples = load_array(arguments.samples, "samples")
    report = metrics.evaluate(samples, labels=labels)
    print(json.dumps(report.as_dict(), indent=2) if arguments.json else report)


def _train(arguments: argparse.Namespace) -> None:
    from mnistgan_lib import config, training
    from mnistgan_lib.callbacks import TrainingDiverged

    out = arguments.out or Path("runs") / arguments.model
    try:
        training.train(
            arguments.model, out, profile=config.get_profile(arguments.profile), epochs=arguments.epochs,
            seed=arguments.seed, eval_every=arguments.eval_every, verbose=1 if sys.stdout.isatty() else 2,
        )
    except TrainingDiverged as error:
        sys.exit(f"error: {error}")
    print(f"run folder: {out} (samples.gif, history.csv, metrics.jsonl, checkpoints/)")


def _sample(arguments: argparse.Namespace) -> None:
    from mnistgan_lib import sampling

    samples, _ = sampling.sample_model(arguments.model, n=arguments.n, seed=arguments.seed)
    np.save(arguments.out, samples.astype(np.float32))
    print(f"saved {len(samples):,} samples of shape {samples.shape[1:]} in [-1, 1] to {arguments.out}")


def _export(arguments: argparse.Namespace) -> None:
    from mnistgan_lib import metrics, pretrained, sampling
    from mnistgan_lib.callbacks import read_history, read_jsonl

    run = Path(arguments.run)
    generator, preset = sampling.load_generator(str(run))
    discriminator = sampling.load_discriminator(str(run))
    settings = json.loads((run / "run.json").read_text())
    history = read_history(run / "history.csv")
    reports = {report["epoch"]: report for report in read_jsonl(run / "metrics.jsonl")}
    report = metrics.evaluate(sampling.sample_model(str(run), n=10_000, seed=0)[0])
    card = {
        "name": arguments.name,
        "preset": preset,
        "role": "generator",
        "what": "the generator (its weight average where the preset keeps one) of a training run",
        "command": f"python -m mnistgan_lib train {preset} --profile {settings['profile']} "
        f"--epochs {int(history[-1]['epoch'])} --seed {settings['seed']} --eval-every 1 --out {run}",
        "export": f"python -m mnistgan_lib export {run} --name {arguments.name}",
        "training_seconds": history[-1]["seconds"],
        "evaluate": f"python -m mnistgan_lib evaluate --model {arguments.name}  (10,000 samples, seed 0)",
        "metrics": report.as_dict(),
        "history": [
            {**row, **{key: reports[row["epoch"]][key] for key in ("fd_mnist", "classifier_score", "coverage_min_fraction")
                       if row["epoch"] in reports}}
            for row in history
        ],
    }
    path = pretrained.save_with_card(generator, arguments.name, card, arguments.out)
    critic_card = {key: card[key] for key in ("preset", "command", "export")}
    pretrained.save_with_card(discriminator, f"{arguments.name}-discriminator",
                              {**critic_card, "name": f"{arguments.name}-discriminator", "role": "discriminator"}, arguments.out)
    print(report)
    print(f"saved {path}, the discriminator beside it, and their cards")


def parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    top = argparse.ArgumentParser(prog="python -m mnistgan_lib", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a GAN preset; an interrupted run resumes from its last epoch")
    train.add_argument("model", help="a preset: dcgan, dcgan-source, dcgan-paper, dcgan-compact, dcgan-tutorial")
    train.add_argument("--profile", choices=["quick", "standard", "full"], default=None, help="default: $MNISTGAN_PROFILE")
    train.add_argument("--epochs", type=positive_int, default=None, help="default: the profile's")
    train.add_argument("--seed", type=non_negative_int, default=0)
    train.add_argument("--eval-every", type=non_negative_int, default=0, help="measure samples every N epochs (0: never)")
    train.add_argument("--out", type=Path, default=None, help="run folder (default: runs/MODEL)")
    train.set_defaults(handler=_train)

    sample = commands.add_parser("sample", help="draw digits from a shipped generator or a training run")
    sample.add_argument("--model", required=True, help="a shipped name (e.g. dcgan) or a run folder")
    sample.add_argument("--n", type=positive_int, default=10_000)
    sample.add_argument("--seed", type=non_negative_int, default=0)
    sample.add_argument("--out", type=Path, required=True, help=".npy file for the (N, 28, 28) samples in [-1, 1]")
    sample.set_defaults(handler=_sample)

    export = commands.add_parser("export", help="ship a training run's generator into the package with a card")
    export.add_argument("run", type=Path, help="the run folder")
    export.add_argument("--name", required=True, help="the name to ship it under, e.g. dcgan")
    export.add_argument("--out", type=Path, default=None, help="folder (default: the package's weights)")
    export.set_defaults(handler=_export)

    train_judge = commands.add_parser("train-judge", help="train the MNIST judge classifier and ship its weights")
    train_judge.add_argument("--epochs", type=positive_int, default=4)
    train_judge.add_argument("--seed", type=non_negative_int, default=0)
    train_judge.add_argument("--out", type=Path, default=None, help="folder for the weights (default: the package's)")
    train_judge.set_defaults(handler=_train_judge)

    evaluate = commands.add_parser("evaluate", help="measure generated digits against the MNIST test set")
    evaluate.add_argument("samples", nargs="?", type=Path, help=".npy of shape (N, 28, 28[, 1]) in [-1,1], [0,1] or [0,255]")
    evaluate.add_argument("--model", help="a shipped or trained generator to sample from instead of a file")
    evaluate.add_argument("--n", type=positive_int, default=10_000, help="samples to draw with --model (default 10,000)")
    evaluate.add_argument("--seed", type=non_negative_int, default=0, help="noise seed with --model")
    evaluate.add_argument("--labels", type=Path, help=".npy of requested labels, for a conditional model's samples")
    evaluate.add_argument("--json", action="store_true", help="print JSON instead of a table")
    evaluate.set_defaults(handler=_evaluate)
    return top


def main(argv: list[str] | None = None) -> None:
    """Parse `argv` and run the chosen command."""
    arguments = parser().parse_args(argv)
    try:
        arguments.handler(arguments)
    except (ValueError, TypeError) as error:  # the library's own errors already say what to change
        sys.exit(f"error: {error}")

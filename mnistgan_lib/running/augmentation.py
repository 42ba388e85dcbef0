r"""Generated digits as training data.

A classifier trained on a few labelled MNIST digits, with and without AC-GAN samples.

The experiment trains the same small CNN, for the same number of steps, on

    real              the first `size` labelled digits of a seeded, class-balanced draw
    real + generated  those, plus `generated` digits from a conditional generator (balanced classes)
    generated         the generated digits alone
    real + real       the labelled digits plus as many further *real* labelled digits
                      as were generated

and reports test accuracy on all 10,000 MNIST test digits. The generator was
trained on all 60,000 labelled training digits, so `real + generated` is not a
semi-supervised result: `real + real` is the comparison that uses the same labels.

    python -m mnistgan_lib.running.augmentation --model acgan \
        --out mnistgan_lib/results/acgan/augmentation.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from mnistgan_lib.core import data
from mnistgan_lib.core.backend import keras, seed_everything, tf
from mnistgan_lib.core.errors import InputError, reported

layers = keras.layers
CONDITIONS = ("real", "real + generated", "generated", "real + real")


def balanced_subset(
    labels: np.ndarray, size: int, seed: int = 0, exclude: np.ndarray | None = None
) -> np.ndarray:
    """Indices of `size` examples, `size / 10` of each class, drawn with `seed`.

    None is drawn from `exclude`.
    """
    if size < data.NUM_CLASSES or size % data.NUM_CLASSES:
        raise InputError(
            f"size must be a positive multiple of {data.NUM_CLASSES} "
            f"(the same count per class), got {size}"
        )
    per_class = size // data.NUM_CLASSES
    allowed = np.ones(len(labels), bool)
    if exclude is not None:
        allowed[exclude] = False
    rng = np.random.default_rng(seed)
    chosen = []
    for digit in range(data.NUM_CLASSES):
        pool = np.flatnonzero((labels == digit) & allowed)
        if len(pool) < per_class:
            raise InputError(
                f"size {size} needs {per_class} digits of class {digit}, "
                f"only {len(pool)} are available"
            )
        chosen.append(rng.choice(pool, per_class, replace=False))
    return np.concatenate(chosen)


def build_classifier() -> keras.Model:
    """A small CNN from digits in [-1, 1] to 10 class logits.

    It is smaller than the judge, so the runs stay cheap.
    """
    image = keras.Input((28, 28, 1), name="image")
    x = layers.MaxPooling2D()(layers.Conv2D(32, 3, activation="relu")(image))
    x = layers.MaxPooling2D()(layers.Conv2D(64, 3, activation="relu")(x))
    x = layers.Dense(128, activation="relu")(layers.Flatten()(x))
    return keras.Model(
        image,
        layers.Dense(data.NUM_CLASSES, name="class")(layers.Dropout(0.5)(x)),
        name="classifier",
    )


def train_classifier(
    images: np.ndarray, labels: np.ndarray, seed: int = 0, steps: int = 1000, batch_size: int = 64
) -> keras.Model:
    """The CNN trained for `steps` batches on digits in [-1, 1] with integer labels.

    The digits come as (N, 28, 28[, 1]). A fixed number of steps, not epochs, so 100 and
    10,100 training digits get the same training effort.
    """
    images = np.asarray(images, np.float32).reshape(-1, 28, 28, 1)
    labels = np.asarray(labels)
    if len(labels) != len(images) or len(images) == 0:
        raise InputError(
            f"images ({len(images)}) and labels ({len(labels)}) must be equally many, at least one"
        )
    if steps < 1:
        raise InputError(f"steps must be a positive number of batches, got {steps}")
    seed_everything(seed)
    model = build_classifier()
    model.compile(
        keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    batches = (
        tf.data.Dataset.from_tensor_slices((images, labels.astype(np.int32)))
        .shuffle(len(images), seed=seed)
        .repeat()
        .batch(batch_size)
    )
    model.fit(batches, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return model


def classifier_accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of `images` (in [-1, 1]) whose top logit is the label."""
    logits = model.predict(
        np.asarray(images, np.float32).reshape(-1, 28, 28, 1), batch_size=1000, verbose=0
    )
    return float(np.mean(logits.argmax(axis=1) == np.asarray(labels)))


def training_set(
    condition: str, real: tuple, generated: tuple, extra_real: tuple
) -> tuple[np.ndarray, np.ndarray]:
    """The (images, labels) one condition trains on.

    They come from the labelled, generated and further real sets.
    """
    parts = {
        "real": [real],
        "real + generated": [real, generated],
        "generated": [generated],
        "real + real": [real, extra_real],
    }
    if condition not in parts:
        raise InputError(f"condition must be one of {', '.join(CONDITIONS)}, got {condition!r}")
    chosen = parts[condition]
    return np.concatenate([np.reshape(p[0], (-1, 28, 28)) for p in chosen]), np.concatenate(
        [p[1] for p in chosen]
    )


def run_experiment(
    model: str = "acgan",
    sizes=(100, 1000),
    seeds=(0, 1, 2),
    generated: int = 10_000,
    steps: int = 1000,
    conditions=CONDITIONS,
) -> list[dict]:
    """Test accuracy for every (labelled size, seed, condition); one dict per trained classifier."""
    from mnistgan_lib.running import sampling

    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    x_train, x_test = data.to_gan_range(x_train), data.to_gan_range(x_test)
    rows = []
    for size in sizes:
        for seed in seeds:
            labelled = balanced_subset(y_train, size, seed)
            extra = balanced_subset(y_train, generated, seed, exclude=labelled)
            fake_images, fake_labels = sampling.sample_model(model, n=generated, seed=1000 + seed)
            sets = {
                "real": (x_train[labelled], y_train[labelled]),
                "generated": (fake_images, fake_labels),
                "extra_real": (x_train[extra], y_train[extra]),
            }
            for condition in conditions:
                started = time.perf_counter()
                classifier = train_classifier(
                    *training_set(condition, sets["real"], sets["generated"], sets["extra_real"]),
                    seed=seed,
                    steps=steps,
                )
                rows.append(
                    {
                        "labelled": size,
                        "seed": seed,
                        "condition": condition,
                        "generated": generated,
                        "steps": steps,
                        "test_accuracy": classifier_accuracy(classifier, x_test, y_test),
                        "seconds": round(time.perf_counter() - started, 1),
                    }
                )
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """Mean and standard deviation of test accuracy over seeds, per (labelled size, condition)."""
    groups: dict[tuple, list[float]] = {}
    for row in rows:
        groups.setdefault((row["labelled"], row["condition"]), []).append(row["test_accuracy"])
    return [
        {
            "labelled": size,
            "condition": condition,
            "seeds": len(values),
            "mean": float(np.mean(values)),
            "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
        }
        for (size, condition), values in groups.items()
    ]


def main(argv: list[str] | None = None) -> None:
    """`python -m mnistgan_lib.running.augmentation`: run the experiment, write its rows as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m mnistgan_lib.running.augmentation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--model", default="acgan", help="a conditional generator: shipped name or run folder"
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[100, 1000],
        help="labelled digits (multiples of 10)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--generated", type=int, default=10_000, help="generated (and further real) digits"
    )
    parser.add_argument(
        "--steps", type=int, default=1000, help="training batches of 64 per classifier"
    )
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the results")
    arguments = parser.parse_args(argv)
    with reported():  # the library's errors end it with their message and exit code
        rows = run_experiment(
            arguments.model, arguments.sizes, arguments.seeds, arguments.generated, arguments.steps
        )
    command = "python -m mnistgan_lib.running.augmentation " + " ".join(
        argv if argv is not None else __import__("sys").argv[1:]
    )
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(json.dumps({"command": command, "rows": rows}, indent=1) + "\n")
    for line in summarise(rows):
        print(
            f"{line['labelled']:>5} labelled  {line['condition']:<17} "
            f"{line['mean']:.2%} ± {line['std']:.2%}"
        )


if __name__ == "__main__":
    main()

"""Generated digits as training data.

Balanced draws, the classifier, the conditions and the experiment's command.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import tiny_run

from mnistgan_lib.running import augmentation, training


def striped(count: int, seed: int = 0):
    """Class k is a bright band at rows 2k+2..2k+5 on dark noise.

    A problem a CNN solves in a few steps.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 10
    images = rng.uniform(-1, -0.6, size=(count, 28, 28)).astype("float32")
    for index, label in enumerate(labels):
        images[index, 2 * label + 2 : 2 * label + 6] = 1.0
    return images, labels


def test_balanced_subset_takes_the_same_count_of_each_class_and_respects_exclude():
    labels = np.arange(300) % 10
    first = augmentation.balanced_subset(labels, 50, seed=0)
    assert len(set(first)) == 50 and np.bincount(labels[first]).tolist() == [5] * 10
    second = augmentation.balanced_subset(labels, 100, seed=0, exclude=first)
    assert not set(first) & set(second) and np.bincount(labels[second]).tolist() == [10] * 10
    np.testing.assert_array_equal(first, augmentation.balanced_subset(labels, 50, seed=0))


@pytest.mark.parametrize(
    "size, message",
    [
        (15, "size must be a positive multiple of 10 .*got 15"),
        (0, "size must be a positive multiple of 10"),
        (400, "size 400 needs 40 digits of class 0, only 30 are available"),
    ],
)
def test_balanced_subset_refuses_sizes_it_cannot_draw(size, message):
    with pytest.raises(ValueError, match=message):
        augmentation.balanced_subset(np.arange(300) % 10, size)


def test_the_classifier_learns_a_separable_problem():
    images, labels = striped(200)
    model = augmentation.train_classifier(images, labels, seed=0, steps=60)
    test_images, test_labels = striped(100, seed=1)
    assert augmentation.classifier_accuracy(model, test_images, test_labels) > 0.9


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            {"images": np.zeros((3, 28, 28)), "labels": np.zeros(2, int)},
            r"images \(3\) and labels \(2\) must be equally many",
        ),
        (
            {"images": np.zeros((3, 28, 28)), "labels": np.zeros(3, int), "steps": 0},
            "steps must be a positive number of batches, got 0",
        ),
    ],
)
def test_train_classifier_refuses_bad_input(arguments, message):
    with pytest.raises(ValueError, match=message):
        augmentation.train_classifier(**arguments)


def test_each_condition_trains_on_its_own_mix():
    real, generated, extra = [
        (np.full((n, 28, 28), value), np.full(n, value)) for n, value in ((2, 0), (5, 1), (5, 2))
    ]
    sizes = {
        condition: np.bincount(
            augmentation.training_set(condition, real, generated, extra)[1], minlength=3
        ).tolist()
        for condition in augmentation.CONDITIONS
    }
    assert sizes == {
        "real": [2, 0, 0],
        "real + generated": [2, 5, 0],
        "generated": [0, 5, 0],
        "real + real": [2, 0, 5],
    }
    with pytest.raises(
        ValueError,
        match="condition must be one of real, real \\+ generated, generated, real \\+ real",
    ):
        augmentation.training_set("fake", real, generated, extra)


def test_summarise_gives_mean_and_spread_over_seeds():
    rows = [
        {"labelled": 100, "condition": "real", "test_accuracy": value} for value in (0.7, 0.8, 0.9)
    ]
    (line,) = augmentation.summarise(rows)
    assert (
        line["seeds"] == 3
        and line["mean"] == pytest.approx(0.8)
        and line["std"] == pytest.approx(0.1)
    )


def test_the_experiment_command_writes_a_row_per_classifier(tiny_data, tmp_path):
    training.train(tiny_run("acgan", epochs=1), tmp_path / "run")
    out = tmp_path / "results" / "augmentation.json"
    augmentation.main(
        [
            "--model",
            str(tmp_path / "run"),
            "--sizes",
            "10",
            "--seeds",
            "0",
            "1",
            "--generated",
            "100",
            "--steps",
            "2",
            "--out",
            str(out),
        ]
    )
    saved = json.loads(out.read_text())
    assert saved["command"].startswith("python -m mnistgan_lib.running.augmentation --model")
    assert len(saved["rows"]) == 2 * len(augmentation.CONDITIONS)
    assert {row["condition"] for row in saved["rows"]} == set(augmentation.CONDITIONS)
    assert all(0 <= row["test_accuracy"] <= 1 and row["labelled"] == 10 for row in saved["rows"])

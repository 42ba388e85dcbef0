"""Self-conditioning.

k-means on pixels, the cluster picker inside the generator, and the default DCGAN built on them.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from conftest import tiny_run

from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.gans import gan, presets, selfcond
from mnistgan_lib.running import training


def blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated 2-D blobs of 30, 20 and 10 points.

    Also which blob each point came from.
    """
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    which = np.repeat([0, 1, 2], [30, 20, 10])
    return centres[which] + rng.normal(scale=0.5, size=(60, 2)), which


def as_images(points: np.ndarray) -> np.ndarray:
    """2-D points written into the first two pixels of otherwise black 28 x 28 images."""
    images = np.zeros((len(points), 28, 28))
    images[:, 0, :2] = points
    return images


def test_kmeans_finds_separated_blobs_and_repeats_for_a_seed():
    points, which = blobs()
    assignment, _ = selfcond.cluster_images(as_images(points), 3, seed=1)
    # The same partition as the blobs, whatever numbers k-means gave the clusters.
    assert (
        all(len(set(assignment[which == blob])) == 1 for blob in range(3))
        and len(set(assignment)) == 3
    )
    assert np.array_equal(assignment, selfcond.cluster_images(as_images(points), 3, seed=1)[0])


@pytest.mark.parametrize(
    "images, k, message",
    [
        (
            as_images(np.array([[0.0, np.nan], [1.0, np.inf]])),
            1,
            "images must hold finite pixels; 2 are NaN or infinite",
        ),
        (
            np.zeros((4, 28, 28)),
            5,
            r"k must be a whole number from 1 to the number of images \(4\), got 5",
        ),
        (np.zeros((4, 28, 28)), 0, "k must be a whole number"),
        (np.zeros((4, 28, 28)), 2.5, "k must be a whole number"),
    ],
)
def test_kmeans_refuses_bad_input(images, k, message):
    with pytest.raises(ValueError, match=message):
        selfcond.cluster_images(images, k, fit_on=4)


def test_kmeans_refuses_fewer_distinct_images_than_clusters():
    with pytest.raises(ValueError, match="hold 1 distinct pictures, fewer than k=2 clusters"):
        selfcond.cluster_images(np.ones((6, 28, 28)), 2, fit_on=6)


def test_cluster_images_returns_each_images_cluster_and_the_shares():
    points, which = blobs()
    images = np.zeros((60, 28, 28))
    images[:, 0, :2] = points  # the blobs, written into two pixels
    assignment, shares = selfcond.cluster_images(images, 3)
    assert sorted(np.round(shares, 4)) == [round(10 / 60, 4), round(20 / 60, 4), 0.5]
    assert np.allclose(shares, np.bincount(assignment, minlength=3) / 60)
    with pytest.raises(ValueError, match="images must be an array of N images"):
        selfcond.cluster_images(np.zeros((60, 784)), 3)
    with pytest.raises(
        ValueError, match="fit_on must be a whole number of images, at least k=3, got 2"
    ):
        selfcond.cluster_images(images, 3, fit_on=2)


def test_the_cluster_picker_draws_clusters_in_proportion_to_their_shares():
    picker = selfcond.ClusterPicker(4)
    noise = gan.sample_noise((40_000, 3), "normal", 0)
    uniform = np.bincount(np.asarray(picker(noise)), minlength=4) / 40_000
    assert np.allclose(uniform, 0.25, atol=0.01)  # equal shares before it is told the data's
    picker.set_shares([0.5, 0.3, 0.2, 0.0])
    drawn = np.bincount(np.asarray(picker(noise)), minlength=4) / 40_000
    assert np.allclose(drawn, [0.5, 0.3, 0.2, 0.0], atol=0.01)
    # Only the last coordinate picks: the others are free for the style of the digit.
    changed = tf.concat([noise[:, :2] * 3.0, noise[:, 2:]], axis=1)
    assert np.array_equal(np.asarray(picker(changed)), np.asarray(picker(noise)))


def test_the_cluster_picker_never_picks_an_empty_cluster_even_for_extreme_noise():
    picker = selfcond.ClusterPicker(4)
    picker.set_shares([0.0, 0.6, 0.4, 0.0])
    extreme = tf.constant([[0.0, -10.0], [0.0, 10.0], [0.0, 40.0], [0.0, -40.0]])
    assert set(np.asarray(picker(extreme)).tolist()) <= {1, 2}
    assert np.allclose(picker.shares(), [0.0, 0.6, 0.4, 0.0])


@pytest.mark.parametrize("shares", [[0.5, 0.5, 0.5, -0.5], [0.5, 0.5], [0.2, 0.2, 0.2, 0.2]])
def test_the_cluster_picker_refuses_shares_that_are_not_a_distribution(shares):
    with pytest.raises(ValueError, match="shares must be 4 non-negative numbers summing to 1"):
        selfcond.ClusterPicker(4).set_shares(shares)
    with pytest.raises(ValueError, match="clusters must be a positive whole number, got 0"):
        selfcond.ClusterPicker(0)


def test_the_self_conditioned_generator_rebuilds_from_its_config():
    generator = selfcond.build_self_conditioned_generator(8, clusters=5)
    generator.get_layer("cluster").set_shares([0.1, 0.2, 0.3, 0.4, 0.0])
    rebuilt = keras.Model.from_config(generator.get_config())
    rebuilt.set_weights(generator.get_weights())
    noise = gan.sample_noise((16, 8), "normal", 0)
    assert np.array_equal(np.asarray(rebuilt(noise)), np.asarray(generator(noise)))


def test_the_default_dcgan_clusters_without_labels_and_samples_like_an_unconditional_gan():
    model = presets.build_gan("dcgan", seed=0)
    assert (
        isinstance(model, selfcond.SelfConditionedGAN)
        and not presets.get_preset("dcgan").conditional
    )
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (128, 28, 28)).astype(np.uint8)
    clusters = model.training_labels(images, np.arange(128) % 10)
    assert np.array_equal(
        clusters, model.training_labels(images, rng.permutation(128) % 10)
    )  # labels unused
    shares = np.bincount(clusters, minlength=selfcond.CLUSTERS) / 128
    for generator in (model.generator, model.ema_generator):
        assert np.allclose(generator.get_layer("cluster").shares(), shares, atol=1e-6)

    batches = tf.data.Dataset.from_tensor_slices(
        ((images[..., None] / 127.5 - 1).astype("float32"), clusters)
    ).batch(64)
    history = model.fit(batches, epochs=1, verbose=0, shuffle=False)
    assert {"d_class_loss", "g_class_loss", "d_class_acc_real"} <= set(history.history)
    # Averaging would nudge the averaged generator's thresholds by rounding; they are copied
    # instead.
    assert np.array_equal(
        model.ema_generator.get_layer("cluster").thresholds.numpy(),
        model.generator.get_layer("cluster").thresholds.numpy(),
    )
    samples, labels = model.samples_to_measure(6, seed=3)
    assert samples.shape == (6, 28, 28, 1) and labels is None
    assert np.array_equal(samples, model.generate(6, seed=3))


def test_a_runs_training_time_includes_clustering_its_images_once(tiny_data, tmp_path, monkeypatch):
    real_clock, real_clustering, jumps = time.perf_counter, selfcond.cluster_images, []

    def clustering_that_takes_1000_seconds(*args, **kwargs):
        jumps.append(1000.0)  # the fake clock moves on by 1000 s while the images are clustered
        return real_clustering(*args, **kwargs)

    monkeypatch.setattr(time, "perf_counter", lambda: real_clock() + sum(jumps))
    monkeypatch.setattr(selfcond, "cluster_images", clustering_that_takes_1000_seconds)
    training.train(tiny_run("dcgan", epochs=1), tmp_path / "run")
    training.train(
        tiny_run("dcgan", epochs=2), tmp_path / "run"
    )  # resumed: the saved clusters, no k-means
    first, second = (row["seconds"] for row in training.read_run(tmp_path / "run").history)
    assert len(jumps) == 1 and 1000 <= first < 1100 and second - first < 1000

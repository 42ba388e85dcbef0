"""Self-conditioning: an unconditional GAN that sorts MNIST into clusters itself.

It then learns each cluster.

A plain GAN maps one blob of noise onto ten separate digit classes; it blurs
the gaps between them and drifts towards some classes and away from others.
A *self-conditioned* GAN (after Liu et al., "Diverse Image Generation via
Self-Conditioned GANs", 2020) first clusters the training images with
k-means on their pixels (no labels are read), then trains as an AC-GAN with
the cluster numbers standing in for labels: the generator is told a cluster,
the discriminator's second head learns to name the cluster of real images.

To sample, the generator picks the cluster itself from the last coordinate
of its noise, each cluster as often as its share of the training images, so
from outside it is an ordinary noise -> digit generator.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.cluster.vq import kmeans2, vq

from mnistgan_lib.core import data
from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.core.errors import InputError
from mnistgan_lib.gans import networks
from mnistgan_lib.gans.acgan import ACGAN, LABEL_EMBEDDING

layers = keras.layers
# More clusters than digits: each one is then nearly a single digit (k-means at 10
# mixes them).
CLUSTERS = 50
CLUSTER_LAYER = "cluster"
# Images the k-means centres are fitted on: a second on a CPU, and as pure as fitting
# all 60,000.
FIT_ON = 10_000


def cluster_images(
    images: np.ndarray, k: int = CLUSTERS, seed: int = 0, fit_on: int = FIT_ON
) -> tuple[np.ndarray, np.ndarray]:
    """k-means clusters of images (N x 28 x 28, any range) by their pixels.

    Returns each image's cluster and each cluster's share.

    The centres are fitted (scipy's k-means, k-means++ start) on `fit_on` images
    drawn at random (all, if there are fewer); then every image joins its nearest
    centre.
    """
    images = np.asarray(images)
    if images.ndim < 3:
        raise InputError(
            "images must be an array of N images (N x 28 x 28), "
            f"got shape {images.shape}"
        )
    if not data.is_whole_number(k) or not 1 <= k <= len(images):
        raise InputError(
            "k must be a whole number from 1 to the number of images "
            f"({len(images)}), got {k!r}"
        )
    if not data.is_whole_number(fit_on) or fit_on < k:
        raise InputError(
            f"fit_on must be a whole number of images, at least k={k}, got {fit_on!r}"
        )
    points = images.reshape(len(images), -1).astype(np.float32)
    if not np.all(np.isfinite(points)):
        raise InputError(
            "images must hold finite pixels; "
            f"{np.sum(~np.isfinite(points))} are NaN or infinite"
        )
    chosen = np.sort(np.random.default_rng([seed, 1]).permutation(len(points))[:fit_on])
    distinct = len(np.unique(points[chosen], axis=0))
    if distinct < k:
        raise InputError(
            f"the {len(chosen)} images k-means is fitted on "
            f"hold {distinct} distinct pictures, "
            f"fewer than k={k} clusters; "
            "ask for fewer clusters or give more varied images"
        )
    with (
        warnings.catch_warnings()
    ):  # an emptied cluster keeps its old centre; that is fine here
        warnings.simplefilter("ignore", UserWarning)
        centres, _ = kmeans2(
            points[chosen], k, iter=25, minit="++", seed=np.random.default_rng(seed)
        )
    assignment, _ = vq(points, centres, check_finite=False)
    return assignment, np.bincount(assignment, minlength=k) / len(assignment)


@keras.saving.register_keras_serializable(package="mnistgan_lib")
class ClusterPicker(layers.Layer):
    """Noise -> cluster: the last coordinate picks a cluster by the clusters' shares.

    The coordinate is first made uniform by the normal CDF.
    """

    def __init__(self, clusters: int, **kwargs):
        super().__init__(**kwargs)
        if not data.is_whole_number(clusters) or clusters < 1:
            raise InputError(
                f"clusters must be a positive whole number, got {clusters!r}"
            )
        self.clusters = int(clusters)
        # Thresholds on the uniform number: cluster j is picked when
        # thresholds[j-1] <= u < thresholds[j].
        self.thresholds = self.add_weight(
            name="thresholds",
            shape=(self.clusters,),
            initializer="zeros",
            trainable=False,
        )
        self.set_shares(
            np.full(self.clusters, 1.0 / self.clusters)
        )  # equal shares until the data says otherwise

    def set_shares(self, shares: np.ndarray) -> None:
        """Pick cluster j with probability shares[j] (non-negative, summing to 1)."""
        shares = np.asarray(shares, dtype=np.float64)
        if (
            shares.shape != (self.clusters,)
            or np.any(shares < 0)
            or not np.isclose(shares.sum(), 1.0)
        ):
            raise InputError(
                f"shares must be {self.clusters} non-negative numbers summing to 1, "
                f"got {shares!r}"
            )
        thresholds = np.cumsum(shares)
        # From the last cluster with a share on, no uniform number in [0, 1] passes:
        # rounding can never pick an empty cluster at the end.
        thresholds[np.flatnonzero(shares)[-1] :] = 2.0
        self.thresholds.assign(thresholds.astype(np.float32))

    def shares(self) -> np.ndarray:
        """The probability of each cluster."""
        return np.diff(np.minimum(self.thresholds.numpy(), 1.0), prepend=0.0)

    def call(self, noise: tf.Tensor) -> tf.Tensor:
        uniform = 0.5 * (1.0 + tf.math.erf(noise[:, -1] / np.sqrt(2.0)))
        return tf.reduce_sum(
            tf.cast(uniform[:, None] >= self.thresholds[None, :], tf.int32), axis=1
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "clusters": self.clusters}


def build_self_conditioned_generator(
    latent_dim: int = networks.DEFAULT_LATENT_DIM + 1, clusters: int = CLUSTERS
) -> keras.Model:
    """noise -> digit: the last noise coordinate picks a cluster.

    The cluster's embedding joins the other coordinates.
    """
    if latent_dim < 2:
        raise InputError(
            "latent_dim must be at least 2 "
            "(style coordinates and one cluster coordinate), "
            f"got {latent_dim}"
        )
    noise = keras.Input((latent_dim,), name="noise")
    cluster = ClusterPicker(clusters, name=CLUSTER_LAYER)(noise)
    embedded = layers.Embedding(clusters, LABEL_EMBEDDING, name="cluster_embedding")(
        cluster
    )
    image = networks.generator_trunk(layers.Concatenate()([noise[:, :-1], embedded]))
    return keras.Model(noise, image, name="generator")


class SelfConditionedGAN(ACGAN):
    """An AC-GAN whose classes are k-means clusters of the training images.

    It is sampled like an unconditional GAN.
    """

    conditional = False  # the generator picks the cluster from its own noise

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent_dim: int,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(generator, discriminator, latent_dim, seed=seed, **kwargs)
        self.cluster_seed = seed

    def fake_batch(self, count: int | tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Generated digits and the clusters their noise picked."""
        noise = self.noise_batch(count)
        return self.generator(noise, training=True), self.generator.get_layer(
            CLUSTER_LAYER
        )(noise)

    def training_labels(self, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Cluster the training images and teach both generators the clusters' shares.

        The images' labels are not used.
        """
        picker = self.generator.get_layer(CLUSTER_LAYER)
        assignment, shares = cluster_images(images, picker.clusters, self.cluster_seed)
        for generator in (self.generator, self.ema_generator):
            if generator is not None:
                generator.get_layer(CLUSTER_LAYER).set_shares(shares)
        return assignment

    def update_ema(self) -> None:
        """Average the generator's weights, but copy the picker's thresholds.

        An average of equal float32 numbers can drift by a rounding step, and a resumed
        run must match an uninterrupted one exactly.
        """
        super().update_ema()
        if self.ema_generator is not None:
            self.ema_generator.get_layer(CLUSTER_LAYER).thresholds.assign(
                self.generator.get_layer(CLUSTER_LAYER).thresholds
            )

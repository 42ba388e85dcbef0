"""Toy problems for the minimax chapter: densities on a grid, Gaussian mixtures, and a tiny MLP GAN.

On a 1-D grid the GAN's value function can be evaluated exactly, so the theory
(the optimal discriminator, the Jensen-Shannon divergence) can be checked with
plain NumPy. The tiny GAN trains on 1-D or 2-D samples in seconds on a CPU,
which makes its dynamics (saturation, mode collapse) cheap to watch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.core.errors import InputError
from mnistgan_lib.foundations import distances, losses

# --- densities on a grid ---------------------------------------------------------------


def mixture_pdf(
    x: ArrayLike, means: ArrayLike, stds: ArrayLike, weights: ArrayLike | None = None
) -> np.ndarray:
    """The density of a 1-D Gaussian mixture at the points `x` (equal weights unless given)."""
    means, stds = np.atleast_1d(np.asarray(means, float)), np.atleast_1d(np.asarray(stds, float))
    if means.shape != stds.shape:
        raise InputError(
            f"means and stds must have the same length, got {len(means)} and {len(stds)}"
        )
    if np.any(stds <= 0):
        raise InputError(f"stds must all be > 0, got {stds.tolist()}")
    weights = np.full(len(means), 1 / len(means)) if weights is None else np.asarray(weights, float)
    if weights.shape != means.shape or np.any(weights < 0) or not np.isclose(weights.sum(), 1):
        raise InputError(
            f"weights must be {len(means)} non-negative numbers summing to 1, "
            f"got {weights.tolist()}"
        )
    z = (np.asarray(x, float)[..., None] - means) / stds
    return (weights * np.exp(-0.5 * z**2) / (stds * np.sqrt(2 * np.pi))).sum(-1)


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)); 1/2 where both densities vanish."""
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full(np.shape(total), 0.5), where=total > 0)


def optimal_logit(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """The logit of D*: log p_data - log p_g.

    +-inf where one density vanishes, 0 (D = 1/2) where both do.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(p_data) - np.log(p_g)  # -inf - (-inf) is NaN: the both-vanish case
    return np.where(np.isnan(log_ratio), 0.0, log_ratio)


def value_function(logits: np.ndarray, p_data: np.ndarray, p_g: np.ndarray, dx: float) -> float:
    """V(D, G) = E_{p_data}[log D] + E_{p_g}[log(1 - D)] for D = sigmoid(logits).

    It is computed as a Riemann sum on the grid.

    D is passed as logits for the reason `losses` takes logits: log D = -softplus(-logit) and
    log(1 - D) = -softplus(logit) stay exact where D itself would round to 0 or 1.
    """
    distances.check_densities(p_data, p_g, dx)
    # 0 * log 0 = 0: points where a density vanishes add nothing, even if D is 0 or 1 there.
    with np.errstate(invalid="ignore"):
        real = np.where(p_data > 0, -p_data * np.logaddexp(0, -logits), 0.0)
        fake = np.where(p_g > 0, -p_g * np.logaddexp(0, logits), 0.0)
    return float((real + fake).sum() * dx)


def ascend_discriminator(
    p_data: np.ndarray, p_g: np.ndarray, dx: float, steps: int, lr: float = 1.0
) -> np.ndarray:
    """Train D numerically; returns its logits.

    Gradient ascent on V over one free logit per grid point, from D = 1/2.
    """
    distances.check_densities(p_data, p_g, dx)
    if lr <= 0:
        raise InputError(f"lr must be > 0, got {lr}")
    logits = np.zeros(np.shape(p_data))
    for _ in range(steps):
        d = 1 / (1 + np.exp(-logits))
        # dV/dlogit(x) = p_data(x) (1 - D(x)) - p_g(x) D(x); divided by the density mass there
        # (a per-point step size) so that points in the tails learn as fast as the rest.
        logits += lr * (p_data * (1 - d) - p_g * d) / (p_data + p_g + 1e-300)
    return logits


# --- samples ----------------------------------------------------------------------------


def ring_centers(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The centres of `modes` Gaussians spaced evenly on a circle, shape (modes, 2)."""
    if modes < 1:
        raise InputError(f"modes must be >= 1, got {modes}")
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def sample_mixture(centers: np.ndarray, std: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` points from equal-weight Gaussians.

    Their standard deviation is `std`, around `centers` (shape (K, dim)).
    """
    centers = np.asarray(centers, float).reshape(len(centers), -1)
    if std <= 0:
        raise InputError(f"std must be > 0, got {std}")
    which = rng.integers(0, len(centers), size=n)
    return (centers[which] + std * rng.standard_normal((n, centers.shape[1]))).astype(np.float32)


def mode_shares(
    samples: np.ndarray, centers: np.ndarray, std: float, within: float = 3.0
) -> np.ndarray:
    """Share of `samples` lying within `within` standard deviations of each centre, shape (K,)."""
    samples = np.asarray(samples, float).reshape(len(samples), -1)
    centers = np.asarray(centers, float).reshape(len(centers), -1)
    distances = np.linalg.norm(samples[:, None, :] - centers[None], axis=-1)
    return (distances < within * std).mean(axis=0)


def modes_covered(
    samples: np.ndarray, centers: np.ndarray, std: float, min_share: float = 0.02
) -> int:
    """How many modes hold at least `min_share` of the samples (within 3 std of their centre)."""
    return int((mode_shares(samples, centers, std) >= min_share).sum())


def wasserstein_1d(a: np.ndarray, b: np.ndarray) -> float:
    """The 1-D earth mover's distance between two equal-size samples: mean |sorted a - sorted b|."""
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    if len(a) != len(b):
        raise InputError(f"samples must have the same size, got {len(a)} and {len(b)}")
    return float(np.abs(a - b).mean())


# --- a tiny GAN ---------------------------------------------------------------------------


def mlp(
    input_dim: int, output_dim: int, hidden: tuple[int, ...] = (64, 64), name: str = "mlp"
) -> keras.Model:
    """A dense network with ReLU hidden layers and a linear output.

    hidden=() gives an affine map.
    """
    layers = [keras.Input((input_dim,))]
    layers += [keras.layers.Dense(width, activation="relu") for width in hidden]
    layers.append(keras.layers.Dense(output_dim))
    return keras.Sequential(layers, name=name)


@dataclass
class ToyGANRun:
    """What `train_toy_gan` records: per-step losses and D accuracy, and samples at checkpoints."""

    d_loss: np.ndarray
    g_loss: np.ndarray
    d_accuracy: np.ndarray
    checkpoints: list[int] = field(default_factory=list)
    # G(z) for a fixed z, one array per checkpoint.
    samples: list[np.ndarray] = field(default_factory=list)


def gan_steps(
    generator: keras.Model,
    discriminator: keras.Model,
    d_optimizer: keras.optimizers.Optimizer,
    g_optimizer: keras.optimizers.Optimizer,
    generator_loss: str = "nonsaturating",
) -> tuple[Callable, Callable]:
    """Compiled update steps: d_step(real, noise) -> (loss, accuracy) and g_step(noise) -> loss."""
    if generator_loss not in losses.GENERATOR_LOSSES:
        raise InputError(
            f"generator_loss must be one of {', '.join(losses.GENERATOR_LOSSES)}, "
            f"got {generator_loss!r}"
        )
    d_vars, g_vars = discriminator.trainable_variables, generator.trainable_variables

    @tf.function
    def d_step(real, noise):
        with tf.GradientTape() as tape:
            real_logits, fake_logits = discriminator(real), discriminator(generator(noise))
            loss = losses.discriminator_loss(real_logits, fake_logits)
        d_optimizer.apply_gradients(zip(tape.gradient(loss, d_vars), d_vars))
        return loss, losses.discriminator_accuracy(real_logits, fake_logits)

    @tf.function
    def g_step(noise):
        with tf.GradientTape() as tape:
            loss = losses.generator_loss(discriminator(generator(noise)), generator_loss)
        g_optimizer.apply_gradients(zip(tape.gradient(loss, g_vars), g_vars))
        return loss

    return d_step, g_step


def train_toy_gan(
    generator: keras.Model,
    discriminator: keras.Model,
    sample_real: Callable[[np.random.Generator, int], np.ndarray],
    steps: int,
    generator_loss: str = "nonsaturating",
    d_optimizer: keras.optimizers.Optimizer | None = None,
    g_optimizer: keras.optimizers.Optimizer | None = None,
    batch_size: int = 256,
    d_steps: int = 1,
    record_every: int = 100,
    seed: int = 0,
) -> ToyGANRun:
    """Alternate `d_steps` discriminator updates and one generator update, `steps` times.

    Both optimizers default to Adam(1e-3, beta_1=0.5). The generator's input is N(0, I);
    `sample_real(rng, n)` draws n data points from the seeded generator `rng`.
    """
    if min(steps, d_steps, record_every, batch_size) < 1:
        raise InputError(
            "steps, d_steps, record_every and batch_size must all be >= 1, "
            f"got {steps}, {d_steps}, {record_every}, {batch_size}"
        )
    d_optimizer = d_optimizer or keras.optimizers.Adam(1e-3, beta_1=0.5)
    g_optimizer = g_optimizer or keras.optimizers.Adam(1e-3, beta_1=0.5)
    d_step, g_step = gan_steps(generator, discriminator, d_optimizer, g_optimizer, generator_loss)
    rng = np.random.default_rng(seed)
    noise_dim = generator.input_shape[-1]

    def noise(n: int) -> np.ndarray:
        return rng.standard_normal((n, noise_dim)).astype(np.float32)

    fixed_noise, run, history = noise(1000), ToyGANRun(np.zeros(0), np.zeros(0), np.zeros(0)), []
    for step in range(steps + 1):
        if step % record_every == 0 or step == steps:
            run.checkpoints.append(step)
            run.samples.append(generator(fixed_noise).numpy())
        if step < steps:
            for _ in range(d_steps):
                d_loss, d_accuracy = d_step(sample_real(rng, batch_size), noise(batch_size))
            history.append((d_loss, g_step(noise(batch_size)), d_accuracy))
    run.d_loss, run.g_loss, run.d_accuracy = (
        np.array(values, dtype=float) for values in zip(*history)
    )
    return run

"""Autoencoders: a convolutional encoder-decoder that copies digits, or removes Gaussian noise.

One builder makes both. The encoder halves the image twice with stride-2
`Conv2D`s (28 -> 14 -> 7); the decoder doubles it back with stride-2
`Conv2DTranspose`s and ends in a sigmoid, so outputs are images in [0, 1]
(every convolution but the last is followed by batch normalization and ReLU).
With `code_size` set, a dense layer squeezes the 7x7 feature map into a code
of that many numbers (the bottleneck of a plain autoencoder); without it the
code is the feature map itself, which keeps the detail a denoiser needs.

A denoising autoencoder (DAE) is trained with `fit()` on pairs (noisy, clean),
the noise of variance sigma^2 drawn afresh every epoch, seeded, by
`corrupt.add_gaussian_noise` (which clips the noisy image to [0, 1]). The
shipped one, `dae`, is trained by `python -m mnistgan_lib train-dae`.

All images here are float arrays (N, 28, 28) in [0, 1], as `corrupt` uses them.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field

import numpy as np

from mnistgan_lib.core import data, pixels, pretrained
from mnistgan_lib.core.backend import keras, seed_everything, tf
from mnistgan_lib.core.errors import InputError
from mnistgan_lib.measuring import corrupt, metrics

layers = keras.layers
DAE_NAME = "dae"
DEFAULT_FILTERS = (32, 64)
DEFAULT_VARIANCE = 0.25  # sigma^2 of the shipped denoiser's training noise
TABLE_VARIANCES = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0)
BLUR_SIGMAS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)  # the classical baselines' search grids
MEDIAN_SIZES = (3, 5)
TABLE_NOISE_SEED = 1  # the noise of the PSNR table (training noise uses other seeds)


# --- the networks --------------------------------------------------------------------------


def _block(x, filters: int, strides: int, transposed: bool = False):
    """A 3x3 (transposed) convolution, batch normalization and ReLU."""
    convolution = layers.Conv2DTranspose if transposed else layers.Conv2D
    x = convolution(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    return layers.ReLU()(layers.BatchNormalization()(x))


def build_autoencoder(
    code_size: int | None = None,
    filters: tuple[int, ...] = DEFAULT_FILTERS,
    name: str = "autoencoder",
) -> keras.Model:
    """An `encoder` and a `decoder` chained: (N, 28, 28, 1) in [0, 1] -> code -> the same kind.

    Encoder: two stride-2 convolutions (28 -> 14 -> 7 pixels, `filters` channels),
    one more at 7x7, then, with `code_size`, a dense layer to the code. Decoder:
    the mirror image, with stride-2 transposed convolutions back to 28x28 and a
    sigmoid output.
    """
    filters = tuple(filters)
    if len(filters) != 2 or any(isinstance(f, bool) or int(f) != f or f < 1 for f in filters):
        raise InputError(
            f"filters must be two positive integers (one per 2x downsampling), got {filters}"
        )
    if code_size is not None and (
        isinstance(code_size, bool) or int(code_size) != code_size or code_size < 1
    ):
        raise InputError(
            f"code_size must be a positive integer or None (no dense bottleneck), got {code_size}"
        )
    filters = tuple(int(f) for f in filters)
    image = keras.Input((28, 28, 1), name="image")
    x = _block(_block(image, filters[0], 2), filters[1], 2)  # 28 -> 14 -> 7
    x = _block(x, filters[1], 1)
    if code_size is not None:
        x = layers.Dense(int(code_size), name="code")(layers.Flatten()(x))
    encoder = keras.Model(image, x, name="encoder")

    code = keras.Input(encoder.output.shape[1:], name="code")
    y = code
    if code_size is not None:
        y = layers.Reshape((7, 7, filters[1]))(
            layers.Dense(7 * 7 * filters[1], activation="relu")(y)
        )
    y = _block(y, filters[1], 1)
    y = _block(y, filters[1], 2, transposed=True)  # 7 -> 14
    y = _block(y, filters[0], 2, transposed=True)  # 14 -> 28
    restored = layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="restored")(y)
    decoder = keras.Model(code, restored, name="decoder")
    return keras.Model(image, decoder(encoder(image)), name=name)


def build_denoiser() -> keras.Model:
    """The shipped denoiser's architecture: 32 and 64 filters, no bottleneck (a 7x7x64 code)."""
    return build_autoencoder(code_size=None, filters=DEFAULT_FILTERS, name="dae")


# --- running a model -----------------------------------------------------------------------


def denoise(
    model: keras.Model, images: np.ndarray, batch_size: int = 1000, name: str = "images"
) -> np.ndarray:
    """Run a (denoising) autoencoder on float images (N, 28, 28) in [0, 1]; returns the same."""
    checked = pixels.check_unit_range(images, name)
    return model.predict(checked[..., None], batch_size=batch_size, verbose=0)[..., 0]


# --- training ------------------------------------------------------------------------------


def _noise_seed(seed: int, epoch: int) -> int:
    """The seed of epoch `epoch`'s training noise, distinct for every (seed, epoch)."""
    return int(np.random.SeedSequence([seed, epoch, 7]).generate_state(1)[0])


def train_autoencoder(
    model: keras.Model,
    images,
    variance: float = 0.0,
    epochs: int = 5,
    seed: int = 0,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    verbose: bool = False,
) -> list[float]:
    """Train `model` with `fit()` to map images with N(0, variance) noise (clipped) to clean ones.

    `variance=0` trains a plain autoencoder (input = target). Adam's learning
    rate falls from `learning_rate` along a cosine to 5% of it. The noise is drawn
    anew for every epoch from a seed fixed by (seed, epoch), so the run is
    repeatable; with `verbose` each epoch prints a line. The loss is the pixel-wise
    binary cross-entropy: like the squared error it is smallest at the mean of the
    clean images that fit the input, but through the sigmoid its gradient does not
    vanish, so training does not stall at a blank output as squared error from a
    fresh network can. Returns each epoch's mean loss.
    """
    clean = pixels.check_unit_range(images, "training images")
    if not np.isfinite(variance) or variance < 0:
        raise InputError(
            f"variance must be a finite number >= 0 (it is sigma squared), got {variance}"
        )
    if int(epochs) != epochs or epochs < 1:
        raise InputError(f"epochs must be a positive integer, got {epochs}")
    seed_everything(seed)
    # A compiled model keeps its optimizer and goes on training.
    if not getattr(model, "compiled", False):
        steps = int(epochs) * -(-len(clean) // batch_size)
        schedule = keras.optimizers.schedules.CosineDecay(
            learning_rate, decay_steps=steps, alpha=0.05
        )
        model.compile(keras.optimizers.Adam(schedule), loss="binary_crossentropy")
    losses = []
    for epoch in range(int(epochs)):
        start = time.perf_counter()
        noisy = (
            corrupt.add_gaussian_noise(clean, variance, seed=_noise_seed(seed, epoch))
            if variance
            else clean
        )
        history = model.fit(
            noisy[..., None],
            clean[..., None],
            batch_size=batch_size,
            epochs=epoch + 1,
            initial_epoch=epoch,
            shuffle=True,
            verbose=0,
        )
        losses.append(float(history.history["loss"][-1]))
        if verbose:
            print(
                f"epoch {epoch + 1}/{epochs}: loss {losses[-1]:.4f} "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
    return losses


# --- measuring -----------------------------------------------------------------------------


@dataclass
class Row:
    """PSNR (dB) at one noise variance: noisy input, best blur, best median filter, the model."""

    variance: float
    noisy: float
    blur: float
    blur_sigma: float
    median: float
    median_size: int
    model: float

    @property
    def best_classical(self) -> float:
        return max(self.blur, self.median)

    @property
    def gain(self) -> float:
        return self.model - self.best_classical


def best_blur(clean: np.ndarray, noisy: np.ndarray, sigmas=BLUR_SIGMAS) -> tuple[float, float]:
    """(PSNR, sigma) of the Gaussian blur that restores `noisy` best, searched over `sigmas`."""
    return max((metrics.psnr(clean, corrupt.gaussian_blur(noisy, s)), s) for s in sigmas)


def best_median(clean: np.ndarray, noisy: np.ndarray, sizes=MEDIAN_SIZES) -> tuple[float, int]:
    """(PSNR, size) of the median filter that restores `noisy` best, searched over `sizes`."""
    return max((metrics.psnr(clean, corrupt.median_filter(noisy, k)), k) for k in sizes)


def measure(model: keras.Model, clean, variance: float, seed: int = TABLE_NOISE_SEED) -> Row:
    """One row of the PSNR table: `clean` images noised at `variance` (seeded), restored 4 ways."""
    clean = pixels.check_unit_range(clean, "clean images")
    noisy = corrupt.add_gaussian_noise(clean, variance, seed=seed)
    blur, sigma = best_blur(clean, noisy)
    median, size = best_median(clean, noisy)
    restored = metrics.psnr(clean, denoise(model, noisy))
    return Row(variance, metrics.psnr(clean, noisy), blur, sigma, median, size, restored)


@dataclass
class Table:
    """The PSNR table: one `Row` per variance, on `images` test digits; `str()` prints it."""

    images: int
    rows: list[Row] = field(default_factory=list)
    model_name: str = DAE_NAME

    def __str__(self) -> str:
        header = ("sigma^2", "noisy", "blur (sigma)", "median (size)", self.model_name, "gain")
        cells = [header] + [
            (
                f"{row.variance:g}",
                f"{row.noisy:.2f}",
                f"{row.blur:.2f} ({row.blur_sigma:g})",
                f"{row.median:.2f} ({row.median_size})",
                f"{row.model:.2f}",
                f"{row.gain:+.2f}",
            )
            for row in self.rows
        ]
        widths = [max(len(line[column]) for line in cells) for column in range(len(header))]
        # Two title lines, so the table fits the book's 88-character column.
        title = [
            f"PSNR in dB on the first {self.images:,} MNIST test digits (noise seed "
            f"{TABLE_NOISE_SEED});",
            "blur and median filter at their best setting for each variance",
        ]
        return "\n".join(
            title
            + ["   ".join(cell.rjust(width) for cell, width in zip(line, widths)) for line in cells]
        )


def psnr_table(
    model: keras.Model, clean, variances=TABLE_VARIANCES, model_name: str = DAE_NAME
) -> Table:
    """PSNR of the noisy images, the best blur, best median filter and `model` at each variance."""
    clean = pixels.check_unit_range(clean, "clean images")
    return Table(len(clean), [measure(model, clean, v) for v in variances], model_name)


def clean_test_digits(count: int | None = None) -> np.ndarray:
    """The first `count` (default: all 10,000) MNIST test digits as float32 in [0, 1]."""
    (_, _), (x_test, _) = data.load_mnist()
    if count is not None and not 1 <= count <= len(x_test):
        raise InputError(
            f"the number of test digits must be between 1 and {len(x_test):,} "
            f"(the whole test split), got {count}"
        )
    return pixels.to_unit_range(x_test[:count])


# --- the shipped denoiser ------------------------------------------------------------------


def load_denoiser(name: str = DAE_NAME, directory=None) -> keras.Model:
    """A shipped denoiser, built by `build_denoiser` and checked against its card."""
    role = pretrained.read_card(name, directory).get("role")
    if role != "denoiser":
        denoisers = [
            other
            for other in pretrained.available(directory)
            if pretrained.read_card(other, directory).get("role") == "denoiser"
        ]
        raise InputError(
            f"{name!r} is not a denoiser (its card's role: {role or 'none'}); "
            f"give a shipped denoiser: {', '.join(denoisers) or 'none shipped'}"
        )
    return pretrained.load_into(build_denoiser(), name, directory)


def train_and_ship(
    variance: float = DEFAULT_VARIANCE,
    epochs: int = 8,
    seed: int = 0,
    directory=None,
    verbose: bool = True,
    min_gain: float = 5.0,
) -> tuple[keras.Model, dict]:
    """Train the denoiser on MNIST's 60,000 training digits, measure on 10,000 test digits, ship it.

    Nothing is shipped (ValueError) when the autoencoder does not beat the best
    classical filter by `min_gain` dB at its training variance.
    """
    (x_train, _), _ = data.load_mnist()
    clean_train = pixels.to_unit_range(x_train)
    seed_everything(seed)  # the initial weights too come from the seed
    model = build_denoiser()
    start = time.perf_counter()
    losses = train_autoencoder(
        model, clean_train, variance, epochs=epochs, seed=seed, verbose=verbose
    )
    seconds = time.perf_counter() - start
    test = clean_test_digits()
    at_025 = measure(model, test, 0.25)
    at_training = at_025 if variance == 0.25 else measure(model, test, variance)
    if at_training.gain < min_gain:
        raise InputError(
            f"at sigma^2 = {variance:g} the autoencoder reaches {at_training.model:.2f} dB, only "
            f"{at_training.gain:+.2f} dB over the best classical filter "
            f"({at_training.best_classical:.2f} dB); "
            f"not shipping it: train longer (--epochs) or lower --min-gain"
        )
    command = (
        f"python -m mnistgan_lib train-dae --variance {variance:g} --epochs {epochs} --seed {seed}"
    )
    command += f" --min-gain {min_gain:g}" if min_gain != 5.0 else ""
    command += f" --out {directory}" if directory is not None else ""
    card = {
        "name": DAE_NAME,
        "role": "denoiser",
        "what": "convolutional denoising autoencoder: "
        "noisy digits in [0, 1] -> clean digits in [0, 1]",
        "command": command,
        "architecture": "mnistgan_lib.denoising.autoencoder.build_denoiser(): "
        f"build_autoencoder(code_size=None, filters={DEFAULT_FILTERS})",
        "trained_on": "MNIST training split (60,000 images) in [0, 1], "
        "Gaussian noise clipped to [0, 1], fresh each epoch",
        "variance": variance,
        "epochs": epochs,
        "seed": seed,
        "loss_per_epoch": [round(loss, 6) for loss in losses],
        "training_seconds": round(seconds, 1),
        "evaluated_on": "all 10,000 MNIST test digits, noise seed 1 "
        "(python -m mnistgan_lib psnr-table)",
        "psnr_at_0.25": _row_card(at_025),
        "parameters": model.count_params(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "date": datetime.date.today().isoformat(),
    }
    if variance != 0.25:
        card[f"psnr_at_{variance:g}"] = _row_card(at_training)
    # An uncompiled copy: Keras 3.15's clone_model (used by save_with_card) keeps a compiled model's
    # optimizer, whose state would triple the file; a shipped denoiser needs only its weights.
    shipped = build_denoiser()
    shipped.set_weights(model.get_weights())
    pretrained.save_with_card(shipped, DAE_NAME, card, directory)
    return model, pretrained.read_card(DAE_NAME, directory)  # with the file's name, sha256 and size


def _row_card(row: Row) -> dict:
    return {
        "variance": row.variance,
        "noisy": round(row.noisy, 2),
        "autoencoder": round(row.model, 2),
        "best_classical": round(row.best_classical, 2),
        "best_classical_filter": f"gaussian_blur sigma={row.blur_sigma:g}"
        if row.blur >= row.median
        else f"median_filter size={row.median_size}",
        "gaussian_blur": {"psnr": round(row.blur, 2), "sigma": row.blur_sigma},
        "median_filter": {"psnr": round(row.median, 2), "size": row.median_size},
        "gain_db": round(row.gain, 2),
    }

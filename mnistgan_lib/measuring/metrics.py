"""How good are generated digits? Numbers computed through the library's MNIST judge.

- FD-MNIST: the Fréchet distance between Gaussians fitted to the judge's
  penultimate features of generated and real images (FID's recipe with an
  MNIST classifier instead of Inception, hence the different name).
- Classifier score: exp(E_x KL(p(y|x) || p(y))), the Inception Score's recipe;
  at most 10 on ten classes, high when each digit is clear and classes are even.
- Class coverage: the histogram of predicted classes; a missing class is how
  mode collapse shows.
- Mean confidence, accuracy against requested labels (conditional models),
  nearest-neighbour distance to the training set (memorisation), and PSNR.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

from mnistgan_lib.core import config, data, pixels
from mnistgan_lib.core.errors import InputError, InputTypeError

MIN_SAMPLES = 500  # below this, covariances of 128 features are too noisy to compare models
NN_SUBSET = 1000  # images whose nearest training digit is searched (each search scans all 60,000)
NUM_CLASSES = data.NUM_CLASSES


def _require_enough(count: int, name: str = "samples") -> None:
    if count < MIN_SAMPLES:
        raise InputError(
            f"{name}: {count} images are too few for a stable estimate; "
            f"give at least {MIN_SAMPLES} "
            "(10,000 is the course's standard, and compare models only at the same count)"
        )


def _finite_array(value, name: str, ndim: int, what: str) -> np.ndarray:
    """`value` as a finite float array of `ndim` dimensions, or a ValueError naming `name`."""
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.number) or array.dtype == bool:
        raise InputTypeError(f"{name} must hold numbers ({what}), got dtype {array.dtype}")
    if array.ndim != ndim or array.size == 0:
        raise InputError(
            f"{name} must be a non-empty {ndim}-D array ({what}), got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise InputError(f"{name} contains NaN or infinite values; {what} must be finite")
    return array.astype(np.float64)


def gaussian_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of feature rows."""
    features = _finite_array(features, "features", 2, "one row of features per image")
    if len(features) < 2:
        raise InputError(
            f"features has {len(features)} row; a covariance needs at least 2 "
            f"(use {MIN_SAMPLES}+ images)"
        )
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray
) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)), via symmetric eigendecompositions."""
    mu1 = _finite_array(mu1, "mu1", 1, "a mean vector")
    mu2 = _finite_array(mu2, "mu2", 1, "a mean vector")
    sigma1 = _finite_array(sigma1, "sigma1", 2, "a covariance matrix")
    sigma2 = _finite_array(sigma2, "sigma2", 2, "a covariance matrix")
    size = len(mu1)
    for name, shape in [("mu2", mu2.shape), ("sigma1", sigma1.shape), ("sigma2", sigma2.shape)]:
        expected = (size,) if name == "mu2" else (size, size)
        if shape != expected:
            raise InputError(
                f"{name} has shape {shape}, but mu1 has {size} features, so it must be {expected}"
            )
    # Tr((S1 S2)^(1/2)) = Tr((A S2 A)^(1/2)) with A = S1^(1/2):
    # A S2 A is symmetric, so eigh is stable.
    values, vectors = np.linalg.eigh(sigma1)
    root1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(root1 @ sigma2 @ root1)
    trace_root = np.sqrt(np.clip(middle, 0, None)).sum()
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_root)


def classifier_score(probabilities: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """exp(E KL(p(y|x) || p(y))), mean and standard deviation over `splits` equal parts."""
    if not 1 <= splits <= 10:
        raise InputError(f"splits must be between 1 and 10, got {splits}")
    probabilities = check_probabilities(probabilities)
    if len(probabilities) < splits:
        raise InputError(
            f"probabilities has {len(probabilities)} rows, fewer than splits={splits}; "
            "give more images"
        )
    scores = []
    for part in np.array_split(probabilities, splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (np.log(part + 1e-12) - np.log(marginal + 1e-12)), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def class_fractions(probabilities: np.ndarray) -> np.ndarray:
    """Fraction of images the judge assigns to each class."""
    predicted = check_probabilities(probabilities).argmax(axis=1)
    return np.bincount(predicted, minlength=NUM_CLASSES) / len(predicted)


def kl_to_uniform(fractions: np.ndarray) -> float:
    """KL(fractions || uniform) in nats: 0 for even classes, log 10 for a single class."""
    fractions = _finite_array(fractions, "fractions", 1, "one fraction per class")
    if fractions.min() < 0 or abs(fractions.sum() - 1.0) > 1e-6:
        raise InputError(
            "fractions must be non-negative and sum to 1 (a class histogram), "
            f"got sum {fractions.sum():.6g}, min {fractions.min():.3g}"
        )
    present = fractions[fractions > 0]
    return float(np.sum(present * np.log(present * len(fractions))))


def psnr(clean: np.ndarray, restored: np.ndarray, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB, over all pixels of two equally shaped image stacks."""
    clean, restored = np.asarray(clean, np.float64), np.asarray(restored, np.float64)
    if clean.shape != restored.shape:
        raise InputError(
            f"clean {clean.shape} and restored {restored.shape} must have the same shape"
        )
    if clean.size == 0 or not (np.isfinite(clean).all() and np.isfinite(restored).all()):
        raise InputError("clean and restored must be non-empty and hold only finite pixel values")
    if not data_range > 0:
        raise InputError(
            "data_range must be the positive span of pixel values "
            f"(1.0 for [0, 1], 255 for bytes), got {data_range}"
        )
    mse = np.mean((clean - restored) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(data_range**2 / mse))


def _reference() -> dict:
    """Judge statistics of the MNIST test split and training pixels of the MNIST file in use."""
    return _reference_for(str(config.data_path()))


@lru_cache(maxsize=2)
def _reference_for(path: str) -> dict:
    """`_reference` once per MNIST file: a process that switches files (tests do) never mixes."""
    from mnistgan_lib.measuring.judge import judge_outputs

    (x_train, _), (x_test, _) = data.load_mnist()
    test = pixels.to_gan_range(x_test)
    _, features = judge_outputs(test)
    train = pixels.to_gan_range(x_train)
    return {
        "mu": features.mean(0),
        "sigma": np.cov(features, rowvar=False),
        "train": train,
        "test": test,
        "test_nn": pixels.nearest_neighbour_distances(test[:NN_SUBSET], train).mean(),
    }


@dataclass
class Report:
    """Every metric of one set of samples; `str()` gives the table, `asdict()` the JSON."""

    samples: int
    fd_mnist: float
    classifier_score: float
    classifier_score_std: float
    coverage_min_fraction: float
    coverage_min_class: int
    coverage_kl_to_uniform: float
    mean_confidence: float
    nn_distance_to_train: float
    nn_distance_test_reference: float
    class_fractions: list[float] = field(default_factory=list)
    conditional_accuracy: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        rows = [
            ("samples", f"{self.samples:,}"),
            ("FD-MNIST (lower is better)", f"{self.fd_mnist:.2f}"),
            (
                "classifier score (max 10)",
                f"{self.classifier_score:.2f} ± {self.classifier_score_std:.2f}",
            ),
            (
                "smallest class",
                f"{self.coverage_min_class}: {self.coverage_min_fraction:.1%} of samples",
            ),
            ("class KL to uniform (nats)", f"{self.coverage_kl_to_uniform:.4f}"),
            ("mean judge confidence", f"{self.mean_confidence:.3f}"),
            (
                "NN distance to train",
                f"{self.nn_distance_to_train:.2f} "
                f"(real test digits: {self.nn_distance_test_reference:.2f})",
            ),
        ]
        if self.conditional_accuracy is not None:
            rows.append(("judge agrees with label", f"{self.conditional_accuracy:.2%}"))
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def evaluate(
    samples: np.ndarray, labels: np.ndarray | None = None, nn_subset: int = NN_SUBSET
) -> Report:
    """All metrics of `samples` against the MNIST test split (and `labels`, if conditional)."""
    images = pixels.as_gan_range(samples)
    _require_enough(len(images))
    if labels is not None:
        labels = check_labels(labels, len(images))
    from mnistgan_lib.measuring.judge import judge_outputs

    reference = _reference()
    probabilities, features = judge_outputs(images)
    fractions = class_fractions(probabilities)
    score, spread = classifier_score(probabilities)
    subset = slice(0, min(nn_subset, len(images)))
    report = Report(
        samples=len(images),
        fd_mnist=frechet_distance(
            *gaussian_statistics(features), reference["mu"], reference["sigma"]
        ),
        classifier_score=score,
        classifier_score_std=spread,
        coverage_min_fraction=float(fractions.min()),
        coverage_min_class=int(fractions.argmin()),
        coverage_kl_to_uniform=kl_to_uniform(fractions),
        mean_confidence=float(probabilities.max(axis=1).mean()),
        nn_distance_to_train=float(
            pixels.nearest_neighbour_distances(images[subset], reference["train"]).mean()
        ),
        nn_distance_test_reference=float(reference["test_nn"]),
        class_fractions=[round(float(f), 4) for f in fractions],
    )
    if labels is not None:
        report.conditional_accuracy = conditional_accuracy(probabilities, labels)
    return report


def check_labels(labels: np.ndarray, count: int) -> np.ndarray:
    """`labels` as an array of `count` integers in 0..9, or a ValueError saying what is wrong."""
    labels = np.asarray(labels)
    if labels.shape != (count,) or not np.issubdtype(labels.dtype, np.integer):
        raise InputError(
            f"labels must be {count} integers (one per sample), "
            f"got shape {labels.shape} dtype {labels.dtype}"
        )
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise InputError(f"labels must lie in 0..9, found {labels.min()}..{labels.max()}")
    return labels


def check_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """`probabilities` as (N, 10) rows that are distributions, or an error saying what is wrong."""
    array = np.asarray(probabilities)
    if array.ndim != 2 or array.shape[1] != NUM_CLASSES or len(array) == 0:
        raise InputError(
            f"probabilities must have shape (N, {NUM_CLASSES}) with N >= 1 (the judge's softmax), "
            f"got {array.shape}"
        )
    array = _finite_array(array, "probabilities", 2, "class probabilities")
    if array.min() < 0 or np.abs(array.sum(axis=1) - 1.0).max() > 1e-3:
        raise InputError(
            "probabilities must be non-negative rows that sum to 1; apply a softmax to logits first"
        )
    return array


def conditional_accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of samples the judge assigns to the label the generator was asked for."""
    probabilities = check_probabilities(probabilities)
    return float(np.mean(probabilities.argmax(axis=1) == check_labels(labels, len(probabilities))))


def fd_to_test(samples: np.ndarray) -> float:
    """FD-MNIST between `samples` (any accepted range) and the whole MNIST test split."""
    from mnistgan_lib.measuring.judge import judge_outputs

    images = pixels.as_gan_range(samples)
    _require_enough(len(images))
    reference = _reference()
    return frechet_distance(
        *gaussian_statistics(judge_outputs(images)[1]), reference["mu"], reference["sigma"]
    )


def fd_between(images_a: np.ndarray, images_b: np.ndarray) -> float:
    """FD-MNIST between two sets of images (either in any accepted range)."""
    from mnistgan_lib.measuring.judge import judge_outputs

    a, b = pixels.as_gan_range(images_a, "first set"), pixels.as_gan_range(images_b, "second set")
    _require_enough(len(a), "first set")
    _require_enough(len(b), "second set")
    return frechet_distance(
        *gaussian_statistics(judge_outputs(a)[1]), *gaussian_statistics(judge_outputs(b)[1])
    )

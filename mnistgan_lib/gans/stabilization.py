"""Tricks that make the discriminator's job harder.

One-sided label smoothing, noisy labels, instance noise, differentiable augmentation:

    one-sided label smoothing   real images get targets below 1 (fixed, e.g. 0.9, or
                                drawn from a range such as [0.9, 1.0]); fake images
                                keep 0 (Salimans et al. 2016)
    noisy labels                each example's real/fake label is swapped with
                                probability p
    instance noise              Gaussian noise added to every image the
                                discriminator sees, its standard deviation annealed
                                linearly to zero (Sonderby et al. 2016)
    differentiable augmentation the same random shifts and cutouts on real and
                                fake images, in both networks' steps (Zhao et al.
                                2020), in `gans.diffaugment`

`Stabilization` holds the settings and checks them; the GAN engine calls
`targets` and `perturb` inside its training step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.core.errors import InputError
from mnistgan_lib.gans.diffaugment import diff_augment


@dataclass(frozen=True)
class Stabilization:
    """Label smoothing, label flipping, instance noise and differentiable augmentation
    for a GAN's discriminator.

    All are off by default.
    """

    real_labels: tuple[float, float] = (1.0, 1.0)  # the real images' target range
    flip_probability: float = 0.0  # chance that an example's label is swapped
    instance_noise: float = 0.0  # the noise's starting standard deviation
    anneal_steps: int = 0  # steps until the noise is gone; 0: the whole run
    augment: bool = False  # DiffAugment's shifts and cutouts on every image D sees
    # Real targets above 1 (the source's two-sided smoothing [0.9, 1.1]) make binary
    # cross-entropy unbounded below; only the stabilization chapter's demonstration
    # asks for them.
    targets_above_one: bool = False

    def __post_init__(self):
        low, high = _pair(self.real_labels)
        top = float("inf") if self.targets_above_one else 1.0
        if high > 1.0 and not self.targets_above_one:
            raise InputError(
                f"real_labels {self.real_labels!r} asks for targets above 1: binary "
                "cross-entropy with a target y > 1 has no minimum (its loss falls "
                "without bound as the real logit grows), so the discriminator is paid "
                "to grow its logits forever; use targets in [0, 1], e.g. (0.9, 0.9) "
                "for one-sided smoothing or (0.9, 1.0) for a random target per image "
                "(only to demonstrate the failure: targets_above_one=True)"
            )
        if not 0.0 <= low <= high <= top:
            raise InputError(
                "real_labels must be a range (low, high) with 0 <= low <= high <= 1, "
                f"got {self.real_labels!r}; "
                "use e.g. (0.9, 0.9) for fixed smoothing "
                "or (0.9, 1.0) for a random target per image"
            )
        object.__setattr__(self, "real_labels", (low, high))
        if not 0.0 <= self.flip_probability <= 1.0:
            raise InputError(
                "flip_probability must be a probability in [0, 1], "
                f"got {self.flip_probability}"
            )
        if not (self.instance_noise >= 0.0 and self.instance_noise < float("inf")):
            raise InputError(
                "instance_noise must be a finite standard deviation >= 0, "
                f"got {self.instance_noise}"
            )
        if self.anneal_steps < 0:
            raise InputError(
                "anneal_steps must be 0 (anneal over the whole run) "
                "or a positive step count, "
                f"got {self.anneal_steps}"
            )

    @classmethod
    def from_dict(cls, settings: dict | None) -> Stabilization:
        """The settings a run folder recorded as a Stabilization.

        They are `as_dict`'s output, or None for none.
        """
        return (
            cls(**{**settings, "real_labels": tuple(settings["real_labels"])})
            if settings
            else NONE
        )

    @property
    def active(self) -> bool:
        """Whether any technique is switched on."""
        return (
            self.real_labels != (1.0, 1.0)
            or self.flip_probability > 0
            or self.instance_noise > 0
            or self.augment
        )

    def as_dict(self) -> dict:
        """The settings as plain JSON-ready values (a run folder records them)."""
        return {**asdict(self), "real_labels": list(self.real_labels)}

    def describe(self) -> str:
        """A short label for tables and plots, e.g. 'smooth 0.9 + flip 0.05'."""
        parts = []
        if self.real_labels != (1.0, 1.0):
            low, high = self.real_labels
            parts.append(
                f"smooth {low:g}" if low == high else f"smooth [{low:g}, {high:g}]"
            )
        if self.flip_probability > 0:
            parts.append(f"flip {self.flip_probability:g}")
        if self.instance_noise > 0:
            parts.append(f"instance noise {self.instance_noise:g}")
        if self.augment:
            parts.append("DiffAugment")
        return " + ".join(parts) or "none"

    def targets(self, real_logits, fake_logits, seed) -> tuple[tf.Tensor, tf.Tensor]:
        """Discriminator targets for a real and a fake batch.

        Plain 1 and 0, or per-example smoothed/flipped labels.
        """
        if self.real_labels == (1.0, 1.0) and self.flip_probability == 0:
            # No random draws, so a run without these tricks uses its seed stream as
            # before.
            return 1.0, 0.0
        low, high = self.real_labels
        real_value = (
            keras.random.uniform(tf.shape(real_logits), low, high, seed=seed)
            if low < high
            else low
        )
        real_target = tf.ones_like(real_logits) * real_value
        fake_target = tf.zeros_like(fake_logits)
        if self.flip_probability > 0:
            # A flipped real image is labelled fake (0) and a flipped fake one real (the
            # smoothed value).
            flip_real = (
                keras.random.uniform(tf.shape(real_logits), seed=seed)
                < self.flip_probability
            )
            flip_fake = (
                keras.random.uniform(tf.shape(fake_logits), seed=seed)
                < self.flip_probability
            )
            real_target = tf.where(flip_real, 0.0, real_target)
            fake_target = tf.where(
                flip_fake, real_value * tf.ones_like(fake_logits), fake_target
            )
        return real_target, fake_target

    def noise_scale(self, step) -> tf.Tensor:
        """The instance noise's standard deviation at training step `step`.

        It falls linearly from its start value to 0.
        """
        if self.instance_noise <= 0:
            return tf.constant(0.0)
        if self.anneal_steps == 0:
            return tf.constant(self.instance_noise)
        progress = tf.cast(step, tf.float32) / float(self.anneal_steps)
        return self.instance_noise * tf.maximum(0.0, 1.0 - progress)

    def perturb(self, images, step, seed) -> tf.Tensor:
        """`images` augmented and with this step's instance noise added.

        They are unchanged when both are off.
        """
        if self.augment:
            images = diff_augment(images, seed)
        if self.instance_noise <= 0:
            return images
        return images + self.noise_scale(step) * keras.random.normal(
            tf.shape(images), seed=seed
        )


def _pair(value) -> tuple[float, float]:
    """A number or a (low, high) pair as a pair of floats."""
    if isinstance(value, (int, float)):
        return float(value), float(value)
    try:
        low, high = value
        return float(low), float(high)
    except (TypeError, ValueError):
        raise InputError(
            f"real_labels must be a number or a (low, high) pair, got {value!r}"
        ) from None


NONE = Stabilization()

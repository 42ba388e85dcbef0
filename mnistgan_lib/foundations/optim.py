"""Optimizers written from their equations: gradient descent, momentum, RMSprop and Adam.

Each ``*_step`` function takes the parameters ``theta``, their gradient ``grad``, the
optimizer's state (a dict of arrays; ``{}`` before the first step) and the step number
``t`` (1, 2, ...), and returns the new parameters and the new state. They use only
arithmetic operators (``x ** 0.5`` for a square root), so the same lines run on NumPy
arrays, as in the chapter's 2-D experiments, and on TensorFlow tensors, as inside
`EquationOptimizer`, which lets Keras train a model with any of them.

`source_adam_step` is Adam as the course this book grew from wrote it, with its four
departures from Kingma & Ba switchable, kept so that the Adam chapter can show what each one
does; with ``eps_in_root=True`` and every departure on it is the source's formula exactly.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mnistgan_lib.core.backend import keras
from mnistgan_lib.core.errors import InputError

Array = Any  # a NumPy array or a TensorFlow tensor: the step functions only use arithmetic on it
State = dict[str, Array]
Step = tuple[Array, State]
EPS_FORMS = ("textbook", "hat")
SOURCE_BUGS = ("minus_in_m", "minus_in_v", "times_gradient", "no_bias_correction")


def _check_rate(name: str, value) -> None:
    """A learning rate must be a positive finite number (tensors are Keras's to check)."""
    if isinstance(value, numbers.Real) and not (math.isfinite(value) and value > 0):
        raise InputError(
            f"{name} must be a positive finite number, got {value!r}; e.g. {name}=0.001"
        )


def _check_decay(name: str, value, usual: float) -> None:
    """A moving-average weight must lie in [0, 1): at 1 the average never forgets its zero start."""
    if isinstance(value, numbers.Real) and not 0 <= value < 1:
        raise InputError(
            f"{name} must lie in [0, 1), got {value!r}; the usual value is {name}={usual}"
        )


def _check_eps(value) -> None:
    """Epsilon only guards a division, so any finite number >= 0 will do."""
    if isinstance(value, numbers.Real) and not (math.isfinite(value) and value >= 0):
        raise InputError(f"eps must be a finite number >= 0, got {value!r}; e.g. eps=1e-8")


def sgd_step(theta: Array, grad: Array, state: State, t: Array, lr: Array = 0.01) -> Step:
    """Gradient descent: theta <- theta - lr * g."""
    _check_rate("lr", lr)
    return theta - lr * grad, state


def momentum_step(
    theta: Array, grad: Array, state: State, t: Array, lr: Array = 0.01, momentum: float = 0.9
) -> Step:
    """Heavy-ball momentum: v <- momentum * v + g;  theta <- theta - lr * v."""
    _check_rate("lr", lr)
    _check_decay("momentum", momentum, 0.9)
    v = momentum * state.get("v", 0.0 * grad) + grad
    return theta - lr * v, {"v": v}


def rmsprop_step(
    theta: Array,
    grad: Array,
    state: State,
    t: Array,
    lr: Array = 0.001,
    rho: float = 0.9,
    eps: float = 1e-7,
) -> Step:
    """RMSprop: s <- rho * s + (1 - rho) * g^2;  theta <- theta - lr * g / sqrt(s + eps)."""
    _check_rate("lr", lr)
    _check_decay("rho", rho, 0.9)
    _check_eps(eps)
    s = rho * state.get("s", 0.0 * grad) + (1 - rho) * grad * grad
    return theta - lr * grad / (s + eps) ** 0.5, {"s": s}


def adam_settings(
    lr=0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
) -> tuple[float, float, float, float]:
    """Adam's four settings, each checked, with the paper's defaults (the Adam chapter)."""
    _check_rate("lr", lr)
    _check_decay("beta1", beta1, 0.9)
    _check_decay("beta2", beta2, 0.999)
    _check_eps(eps)
    return lr, beta1, beta2, eps


def adam_step(
    theta: Array,
    grad: Array,
    state: State,
    t: Array,
    lr: Array = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    eps_form: str = "textbook",
) -> Step:
    """Adam (Kingma & Ba, 2015).

    Moving averages of g and g^2, bias-corrected, then a normalised step.

    ``eps_form="textbook"`` is the paper's Algorithm 1, theta -= lr * m_hat / (sqrt(v_hat) + eps);
    ``eps_form="hat"`` is the cheaper form of the paper's Section 2 that Keras and TensorFlow use,
    theta -= alpha_t * m / (sqrt(v) + eps) with alpha_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t).
    They differ only in where eps sits: the "hat" eps equals a textbook eps of
    eps / sqrt(1 - beta2^t).
    """
    lr, beta1, beta2, eps = adam_settings(lr, beta1, beta2, eps)
    if eps_form not in EPS_FORMS:
        raise InputError(f"eps_form must be one of {', '.join(EPS_FORMS)}, got {eps_form!r}")
    m = beta1 * state.get("m", 0.0 * grad) + (1 - beta1) * grad
    v = beta2 * state.get("v", 0.0 * grad) + (1 - beta2) * grad * grad
    if eps_form == "textbook":
        # Both averages start at 0: dividing by 1 - beta^t undoes that pull.
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        return theta - lr * m_hat / (v_hat**0.5 + eps), {"m": m, "v": v}
    alpha_t = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
    return theta - alpha_t * m / (v**0.5 + eps), {"m": m, "v": v}


def source_adam_step(
    theta: Array,
    grad: Array,
    state: State,
    t: int,
    bugs: tuple[str, ...] = SOURCE_BUGS,
    eps_in_root: bool = False,
    **settings,
) -> Step:
    """Adam as the source course wrote it, any of its four departures on (the Adam chapter).

    The departures from Kingma & Ba are named in `SOURCE_BUGS`; NumPy only.
    `settings` are `adam_step`'s lr, beta1, beta2 and eps, with the same defaults.
    minus_in_m: m <- beta1 * m - (1 - beta1) * g;  minus_in_v: v <- beta2 * v - (1 - beta2) * g^2;
    times_gradient: the step is multiplied by g;  no_bias_correction: m and v are used as they
    are, not divided by 1 - beta^t.
    eps_in_root puts eps inside the square root, sqrt(v + eps), where the source (and RMSprop)
    put it, rather than sqrt(v) + eps. The source's formula exactly is the default `bugs` with
    eps_in_root=True: theta <- theta - lr * m / sqrt(v + eps) * g.
    """
    unknown = set(bugs) - set(SOURCE_BUGS)
    if unknown:
        raise InputError(
            f"bugs must be drawn from {', '.join(SOURCE_BUGS)}; "
            f"unknown: {', '.join(sorted(unknown))}"
        )
    lr, beta1, beta2, eps = adam_settings(**settings)
    theta, grad = np.asarray(theta, dtype=float), np.asarray(grad, dtype=float)
    sign_m = -1.0 if "minus_in_m" in bugs else 1.0
    sign_v = -1.0 if "minus_in_v" in bugs else 1.0
    # The bugs make NaN (the square root of a negative v) and overflow (a diverging theta):
    # those are the results being shown, not accidents to warn about.
    with np.errstate(invalid="ignore", over="ignore"):
        m = beta1 * state.get("m", 0.0 * grad) + sign_m * (1 - beta1) * grad
        v = beta2 * state.get("v", 0.0 * grad) + sign_v * (1 - beta2) * grad * grad
        m_hat, v_hat = m, v
        if "no_bias_correction" not in bugs:
            m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        root = np.sqrt(v_hat + eps) if eps_in_root else np.sqrt(v_hat) + eps
        step = lr * m_hat / root
        if "times_gradient" in bugs:
            step = step * grad
        return theta - step, {"m": m, "v": v}


STEPS: dict[str, tuple[Callable[..., Step], tuple[str, ...]]] = {
    "sgd": (sgd_step, ()),
    "momentum": (momentum_step, ("v",)),
    "rmsprop": (rmsprop_step, ("s",)),
    "adam": (adam_step, ("m", "v")),
}


def minimize(
    step: Callable[..., Step],
    grad_fn: Callable[[np.ndarray], np.ndarray],
    theta0: ArrayLike,
    steps: int,
    **hyper,
) -> np.ndarray:
    """Run `steps` updates of `step` on the gradient `grad_fn` from `theta0`.

    Returns the path, shape (steps + 1, dim).
    """
    if not isinstance(steps, int) or steps < 0:
        raise InputError(f"steps must be a non-negative int, got {steps!r}")
    theta = np.asarray(theta0, dtype=float).ravel()
    path, state = [theta], {}
    for t in range(1, steps + 1):
        theta, state = step(theta, np.asarray(grad_fn(theta), dtype=float), state, t, **hyper)
        path.append(theta)
    return np.array(path)


def saddle_valley(theta: ArrayLike, valley: float = 40.0) -> np.ndarray:
    """f(x, y) = x^4/4 - x^2/2 + valley * y^2/2.

    A saddle at (0, 0), minima f = -1/4 at (+-1, 0) in a narrow valley.
    """
    theta = np.asarray(theta, dtype=float)
    x, y = theta[..., 0], theta[..., 1]
    return x**4 / 4 - x**2 / 2 + valley * y**2 / 2


def saddle_valley_grad(theta: ArrayLike, valley: float = 40.0) -> np.ndarray:
    """The gradient of `saddle_valley`: (x^3 - x, valley * y)."""
    x, y = np.asarray(theta, dtype=float)
    return np.array([x**3 - x, valley * y])


def steps_to_settle(values: ArrayLike, target: float, tol: float) -> int | None:
    """The first step from which every later value stays within `tol` of `target`.

    None if the last one is outside.
    """
    # NaN compares False, so "not within tol" also catches a diverged run.
    with np.errstate(invalid="ignore"):
        outside = np.flatnonzero(~(np.abs(np.asarray(values, dtype=float) - target) <= tol))
    if len(outside) == 0:
        return 0
    last = int(outside[-1])
    return None if last == len(values) - 1 else last + 1


class EquationOptimizer(keras.optimizers.Optimizer):
    """A Keras optimizer that updates each variable with one of this module's step functions."""

    def __init__(
        self,
        method: str = "adam",
        learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 0.001,
        name: str | None = None,
        **kwargs,
    ):
        if method not in STEPS:
            raise InputError(f"method must be one of {', '.join(STEPS)}, got {method!r}")
        step_fn, slot_names = STEPS[method]
        # Keyword arguments the step function takes are its hyperparameters; the rest
        # (clipnorm, ...) are Keras's.
        names = set(inspect.signature(step_fn).parameters) - {"theta", "grad", "state", "t", "lr"}
        hyper = {key: value for key, value in kwargs.items() if key in names}
        # One step on a scalar checks every hyperparameter now, not deep inside the first fit().
        # For a schedule, Keras checks it.
        probe_lr = learning_rate if isinstance(learning_rate, numbers.Real) else 1.0
        step_fn(np.zeros(1), np.ones(1), {}, 1, lr=probe_lr, **hyper)
        rest = {key: value for key, value in kwargs.items() if key not in names}
        try:
            super().__init__(learning_rate=learning_rate, name=name or f"equation_{method}", **rest)
        except ValueError as error:
            # Keras names an unknown argument; say which ones the method does take.
            raise InputError(
                f"{error}. The {method!r} method takes "
                f"{', '.join(sorted(names)) or 'no hyperparameters'} "
                "besides learning_rate, and Keras's optimizer arguments "
                "(clipnorm, weight_decay, ...)"
            ) from error
        self.method, self.hyper, self.step_fn, self.slot_names = method, hyper, step_fn, slot_names

    def build(self, variables) -> None:
        """One zero-initialised slot per state entry (e.g. m and v for Adam) and variable."""
        if self.built:
            return
        super().build(variables)
        self.slots = [
            {slot: self.add_variable_from_reference(variable, slot) for slot in self.slot_names}
            for variable in variables
        ]

    def update_step(self, gradient, variable, learning_rate) -> None:
        """Apply the step function to one variable and write back its new value and state."""
        slots = self.slots[self._get_variable_index(variable)]
        dtype = variable.dtype
        t = keras.ops.cast(self.iterations + 1, dtype)
        lr = keras.ops.cast(learning_rate, dtype)
        tensor = keras.ops.convert_to_tensor
        state = {slot: tensor(value) for slot, value in slots.items()}
        value, state = self.step_fn(
            tensor(variable), keras.ops.cast(gradient, dtype), state, t, lr=lr, **self.hyper
        )
        self.assign(variable, value)
        for slot, new in state.items():
            self.assign(slots[slot], new)

    def get_config(self) -> dict:
        """Keras's config plus the method and its hyperparameters, so the optimizer can be saved."""
        return {**super().get_config(), "method": self.method, **self.hyper}

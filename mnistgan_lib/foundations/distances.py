"""Distances between two distributions on a 1-D grid.

Jensen-Shannon and earth mover's (Wasserstein-1).

The WGAN chapter's small example: two distributions whose supports do not
overlap are at Jensen-Shannon divergence log 2 however far apart they are
(no gradient to follow), while the earth mover's distance grows with the gap.
Its dual form (Kantorovich-Rubinstein) is computed too, with the 1-Lipschitz
function that attains it, which is what a WGAN critic tries to learn.
"""

from __future__ import annotations

import numpy as np

from mnistgan_lib.core.errors import InputError


def _checked(grid, p, q) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid and two distributions on it, checked.

    The grid's points must increase; each distribution's masses must be non-negative and sum to 1.
    """
    grid, p, q = (np.asarray(a, dtype=np.float64) for a in (grid, p, q))
    if grid.ndim != 1 or len(grid) < 2 or np.any(np.diff(grid) <= 0):
        raise InputError(f"grid must be at least two increasing points, got shape {grid.shape}")
    for name, mass in (("p", p), ("q", q)):
        if mass.shape != grid.shape:
            raise InputError(
                f"{name} must hold one probability per grid point, "
                f"shape {grid.shape}, got {mass.shape}"
            )
        if np.any(mass < 0) or not np.isclose(mass.sum(), 1.0):
            raise InputError(
                f"{name} must be non-negative and sum to 1 (a distribution), "
                f"got sum {mass.sum():.6g}"
            )
    return grid, p, q


def uniform_block(grid, start: float, width: float) -> np.ndarray:
    """The uniform distribution on the grid points in [start, start + width).

    As probabilities that sum to 1.
    """
    grid = np.asarray(grid, dtype=np.float64)
    inside = (grid >= start - 1e-9) & (grid < start + width - 1e-9)
    if not inside.any():
        raise InputError(
            f"no grid point lies in [{start}, {start + width}); widen the block or extend the grid"
        )
    return inside / inside.sum()


def check_densities(p, q, dx: float) -> tuple[np.ndarray, np.ndarray]:
    """Two distributions on the same grid: same shape, non-negative, and a grid spacing dx > 0."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape:
        raise InputError(
            f"the two distributions must be on the same grid, got shapes {p.shape} and {q.shape}"
        )
    if np.any(p < 0) or np.any(q < 0):
        raise InputError("probabilities and densities must be >= 0 everywhere")
    if not dx > 0:
        raise InputError(f"dx (the grid spacing) must be > 0, got {dx!r}")
    return p, q


def kl_divergence(p, q, dx: float = 1.0) -> float:
    """KL(p || q) = sum of p log(p / q) dx, in nats.

    For probabilities (dx = 1) or densities on a grid of spacing dx.
    """
    p, q = check_densities(p, q, dx)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Terms with p = 0 contribute 0 (the limit of p log p).
        terms = np.where(p > 0, p * np.log(p / q), 0.0)
    return float(terms.sum() * dx)


def jensen_shannon(p, q, dx: float = 1.0) -> float:
    """JS(p, q) = KL(p | m) / 2 + KL(q | m) / 2 with m = (p + q) / 2, in nats.

    0 for equal p and q, log 2 at most.
    """
    m = (np.asarray(p, dtype=np.float64) + np.asarray(q, dtype=np.float64)) / 2
    return (kl_divergence(p, m, dx) + kl_divergence(q, m, dx)) / 2


def earth_mover(grid, p, q) -> float:
    """W1(p, q): the least mass x distance that turns p into q.

    In 1-D, the area between the two CDFs.
    """
    grid, p, q = _checked(grid, p, q)
    gaps = np.abs(np.cumsum(p) - np.cumsum(q))[:-1]
    return float(np.sum(gaps * np.diff(grid)))


def optimal_critic(grid, p, q) -> np.ndarray:
    """A 1-Lipschitz f attaining the dual sup_f E_p[f] - E_q[f] = W1(p, q).

    Slope +1 where q's CDF leads, -1 elsewhere.
    """
    grid, p, q = _checked(grid, p, q)
    slopes = np.sign(np.cumsum(q) - np.cumsum(p))[:-1]
    return np.concatenate([[0.0], np.cumsum(slopes * np.diff(grid))])


def dual_value(f, p, q) -> float:
    """E_p[f] - E_q[f]: what a critic f claims the distance is.

    A lower bound on W1 when f is 1-Lipschitz.
    """
    return float(np.dot(p, f) - np.dot(q, f))


def shift_curves(grid, width: float, shifts) -> dict[str, np.ndarray]:
    """JS and W1 between a block on [0, width) and the same block moved by each shift.

    The chapter's plot.
    """
    base = uniform_block(grid, 0.0, width)
    moved = [uniform_block(grid, shift, width) for shift in shifts]
    return {
        "shift": np.asarray(shifts, dtype=np.float64),
        "jensen_shannon": np.array([jensen_shannon(base, other) for other in moved]),
        "earth_mover": np.array([earth_mover(grid, base, other) for other in moved]),
    }

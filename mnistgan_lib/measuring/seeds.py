"""Verdicts over seeds: a mean with its 95% t-interval, and a paired difference.

An experiment decides only if it can: each chapter that compares settings over a few
seeds prints these intervals, and its verdict words follow them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from mnistgan_lib.core.errors import InputError


@dataclass(frozen=True)
class Interval:
    """A mean over seeds and the ends of its confidence interval."""

    mean: float
    low: float
    high: float
    seeds: int

    def excludes(self, value: float = 0.0) -> bool:
        """Whether `value` lies outside the interval (a difference from 0 is then real)."""
        return not self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.mean:.2f} [{self.low:.2f}, {self.high:.2f}]"


def mean_interval(values, level: float = 0.95) -> Interval:
    """The mean of `values` (one per seed) with its Student-t interval at `level`
    (the stabilization and Adam chapters)."""
    values = np.asarray(values, dtype=float).ravel()
    if len(values) < 2 or not np.all(np.isfinite(values)):
        raise InputError(
            f"an interval needs at least 2 finite values (one per seed), got {values.tolist()}"
        )
    if not 0.0 < level < 1.0:
        raise InputError(f"level must lie in (0, 1), e.g. 0.95, got {level}")
    mean = float(values.mean())
    half = float(stats.t.ppf(0.5 + level / 2, len(values) - 1) * stats.sem(values))
    return Interval(mean, mean - half, mean + half, len(values))


def paired_difference(treated, baseline, level: float = 0.95) -> Interval:
    """The mean of `treated - baseline` over seeds run in pairs (the same seed, so the
    same data and initial weights), with its t-interval (the stabilization chapter)."""
    treated, baseline = np.asarray(treated, float), np.asarray(baseline, float)
    if treated.shape != baseline.shape:
        raise InputError(
            f"paired values need one of each per seed, got {treated.shape} and {baseline.shape}"
        )
    return mean_interval(treated - baseline, level)


def verdict(difference: Interval, lower_is_better: bool = True) -> str:
    """The words a difference from the baseline earns: helps, hurts or no measurable
    effect, by whether its interval excludes 0 (the stabilization chapter)."""
    if not difference.excludes(0.0):
        return "no measurable effect"
    better = difference.mean < 0 if lower_is_better else difference.mean > 0
    return "helps" if better else "hurts"

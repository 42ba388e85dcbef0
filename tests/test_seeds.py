"""Intervals over seeds and the verdicts that follow them."""

from __future__ import annotations

import numpy as np
import pytest

from mnistgan_lib.measuring.seeds import mean_interval, paired_difference, verdict


def test_the_interval_is_the_t_interval_and_covers_the_mean_at_the_stated_rate():
    interval = mean_interval([1.0, 2.0, 3.0])
    assert interval.mean == 2.0 and interval.seeds == 3
    assert interval.high - 2.0 == pytest.approx(4.302653 * 1.0 / np.sqrt(3), rel=1e-5)
    rng = np.random.default_rng(0)
    covered = np.mean(
        [not mean_interval(rng.normal(5.0, 2.0, 5)).excludes(5.0) for _ in range(2_000)]
    )
    assert 0.93 < covered < 0.97


def test_paired_differences_decide_only_when_their_interval_excludes_zero():
    baseline = np.array([70.0, 72.0, 68.0, 71.0, 69.0])
    assert verdict(paired_difference(baseline - 5.0 + [0.1, -0.2, 0.3, 0.0, -0.1], baseline)) == (
        "helps"
    )
    assert verdict(paired_difference(baseline + 3.0, baseline)) == "hurts"
    noisy = baseline + np.array([4.0, -5.0, 3.0, -4.0, 1.0])
    assert verdict(paired_difference(noisy, baseline)) == "no measurable effect"
    assert verdict(paired_difference(baseline + 3.0, baseline), lower_is_better=False) == "helps"


@pytest.mark.parametrize(
    "values, message",
    [([1.0], "at least 2 finite values"), ([1.0, float("nan")], "at least 2 finite values")],
)
def test_too_few_or_broken_values_are_refused(values, message):
    with pytest.raises(ValueError, match=message):
        mean_interval(values)
    with pytest.raises(ValueError, match="one of each per seed"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])

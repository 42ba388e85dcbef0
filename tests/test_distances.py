"""The 1-D distances of the WGAN chapter against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from mnistgan_lib.foundations import distances

GRID = np.round(np.arange(0, 4.0001, 0.25), 10)  # 0, 0.25, ..., 4


def test_point_masses_apart_are_at_js_log2_and_at_their_distance_in_w1():
    p, q = np.zeros(len(GRID)), np.zeros(len(GRID))
    p[0], q[8] = 1, 1  # masses at 0 and at 2
    assert distances.jensen_shannon(p, q) == pytest.approx(np.log(2))
    assert distances.earth_mover(GRID, p, q) == pytest.approx(2.0)
    assert distances.jensen_shannon(p, p) == 0 and distances.earth_mover(GRID, p, p) == 0


def test_half_overlapping_blocks_have_the_hand_computed_js_and_w1():
    p, q = (
        distances.uniform_block(GRID, 0, 1),
        distances.uniform_block(GRID, 0.5, 1),
    )  # 4 points each, 2 shared
    # Shared points: p = q = 1/4 there, no contribution. Own points: 1/4 * log(1/4 / (1/8))
    # each, two per side.
    assert distances.jensen_shannon(p, q) == pytest.approx(0.5 * np.log(2))
    assert distances.earth_mover(GRID, p, q) == pytest.approx(0.5)  # every grain of mass moves 0.5


def test_the_optimal_critic_is_1_lipschitz_and_attains_w1():
    p, q = distances.uniform_block(GRID, 0, 1), distances.uniform_block(GRID, 2, 0.5)
    f = distances.optimal_critic(GRID, p, q)
    assert np.all(np.abs(np.diff(f)) <= np.diff(GRID) + 1e-12)
    assert distances.dual_value(f, p, q) == pytest.approx(distances.earth_mover(GRID, p, q))
    assert distances.earth_mover(GRID, p, q) == pytest.approx(
        np.mean([2, 2.25]) - np.mean([0, 0.25, 0.5, 0.75])
    )


def test_shift_curves_flatten_for_js_and_grow_for_w1():
    curves = distances.shift_curves(GRID, 0.5, [0.0, 0.25, 0.5, 1.0, 2.0])
    np.testing.assert_allclose(curves["earth_mover"], [0.0, 0.25, 0.5, 1.0, 2.0])
    np.testing.assert_allclose(curves["jensen_shannon"][2:], np.log(2))
    assert 0 < curves["jensen_shannon"][1] < np.log(2)


@pytest.mark.parametrize(
    "grid, p, message",
    [
        ([0, 0], [0.5, 0.5], r"grid must be at least two increasing points"),
        (
            [0, 1],
            [0.5, 0.6],
            r"p must be non-negative and sum to 1 \(a distribution\), got sum 1.1",
        ),
        ([0, 1], [1.0], r"p must hold one probability per grid point, shape \(2,\), got \(1,\)"),
    ],
)
def test_bad_inputs_are_refused(grid, p, message):
    with pytest.raises(ValueError, match=message):
        distances.earth_mover(grid, p, [0.5, 0.5])


def test_a_block_with_no_grid_point_is_refused():
    with pytest.raises(ValueError, match=r"no grid point lies in \[5, 6\)"):
        distances.uniform_block(GRID, 5, 1)

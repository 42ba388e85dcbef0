import numpy as np
import pytest

from mnistgan_lib.core.backend import keras, seed_everything
from mnistgan_lib.foundations import distances, toy

GRID = np.linspace(
    -20, 20, 40_001
)  # wide enough that every density below has all but ~1e-15 of its mass on it
DX = GRID[1] - GRID[0]


@pytest.fixture
def densities():
    """A two-bump p_data and a wide single-bump p_g, overlapping in part."""
    return toy.mixture_pdf(GRID, [-2, 2], [0.5, 1.0], [0.3, 0.7]), toy.mixture_pdf(
        GRID, [1.0], [2.0]
    )


def test_mixture_pdf_is_a_density():
    p = toy.mixture_pdf(GRID, [-3, 0, 4], [0.3, 1, 2], [0.2, 0.5, 0.3])
    assert p.min() >= 0 and p.sum() * DX == pytest.approx(1, abs=1e-6)
    assert abs(GRID[p.argmax()] + 3) < 0.01  # the narrow bump is the tallest


def test_value_at_the_optimal_discriminator_is_two_jsd_minus_log_four(densities):
    p_data, p_g = densities
    jsd = distances.jensen_shannon(p_data, p_g, DX)
    assert 0 < jsd < np.log(2)
    assert toy.value_function(toy.optimal_logit(p_data, p_g), p_data, p_g, DX) == pytest.approx(
        2 * jsd - np.log(4), abs=1e-10
    )


def test_the_optimal_logit_is_the_logit_of_the_optimal_discriminator(densities):
    p_data, p_g = densities
    d_star, logit = toy.optimal_discriminator(p_data, p_g), toy.optimal_logit(p_data, p_g)
    np.testing.assert_allclose(1 / (1 + np.exp(-logit)), d_star, rtol=1e-12)
    zero = np.zeros(3)
    assert toy.optimal_logit(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])).tolist() == [
        np.inf,
        -np.inf,
        0.0,
    ]
    assert toy.optimal_discriminator(zero, zero).tolist() == [0.5] * 3


@pytest.mark.parametrize("seed", range(5))
def test_the_optimal_discriminator_beats_perturbed_ones(densities, seed):
    p_data, p_g = densities
    logit = toy.optimal_logit(p_data, p_g)
    best = toy.value_function(logit, p_data, p_g, DX)
    rng = np.random.default_rng(seed)
    for scale in (1e-3, 0.1, 1.0):
        assert (
            toy.value_function(logit + scale * rng.normal(size=logit.shape), p_data, p_g, DX) < best
        )
        assert (
            toy.value_function(logit + scale, p_data, p_g, DX) < best
        )  # a D that calls everything a bit more real
    assert toy.value_function(np.zeros_like(logit), p_data, p_g, DX) == pytest.approx(-np.log(4))


def test_gradient_ascent_on_v_finds_the_optimal_discriminator(densities):
    p_data, p_g = densities
    best = toy.value_function(toy.optimal_logit(p_data, p_g), p_data, p_g, DX)
    gaps = [
        best - toy.value_function(toy.ascend_discriminator(p_data, p_g, DX, n), p_data, p_g, DX)
        for n in (10, 100, 1000)
    ]
    assert gaps[0] > gaps[1] > gaps[2] > 0 and gaps[2] < 1e-5
    trained = 1 / (1 + np.exp(-toy.ascend_discriminator(p_data, p_g, DX, 1000)))
    where = (p_data + p_g) > 1e-3  # only where there is mass does V pin D down
    np.testing.assert_allclose(
        trained[where], toy.optimal_discriminator(p_data, p_g)[where], atol=1e-2
    )


def test_identical_distributions_give_d_one_half_and_v_minus_log_four():
    p = toy.mixture_pdf(GRID, [0.0], [1.0])
    assert np.all(toy.optimal_discriminator(p, p) == 0.5) and distances.jensen_shannon(
        p, p, DX
    ) == pytest.approx(0, abs=1e-12)
    assert toy.value_function(toy.optimal_logit(p, p), p, p, DX) == pytest.approx(
        -np.log(4), abs=1e-10
    )


def test_jsd_saturates_at_log_two_for_disjoint_supports():
    p, q = toy.mixture_pdf(GRID, [-5.0], [0.5]), toy.mixture_pdf(GRID, [5.0], [0.5])  # 20 std apart
    assert distances.jensen_shannon(p, q, DX) == pytest.approx(np.log(2), abs=1e-6)
    assert toy.value_function(toy.optimal_logit(p, q), p, q, DX) == pytest.approx(0, abs=1e-12)


def test_density_checks_name_the_problem():
    p = toy.mixture_pdf(GRID, [0.0], [1.0])
    with pytest.raises(ValueError, match="same grid"):
        toy.value_function(np.full(3, 0.5), p, p[:-1], DX)
    with pytest.raises(ValueError, match="must be >= 0"):
        distances.jensen_shannon(p, -p, DX)
    with pytest.raises(ValueError, match="dx"):
        distances.kl_divergence(p, p, 0.0)
    with pytest.raises(ValueError, match="stds must all be > 0"):
        toy.mixture_pdf(GRID, [0.0], [0.0])
    with pytest.raises(ValueError, match="weights must be 2 non-negative numbers summing to 1"):
        toy.mixture_pdf(GRID, [0.0, 1.0], [1.0, 1.0], [0.5, 0.6])


# --- samples and their measures ------------------------------------------------------------


def test_ring_samples_and_mode_coverage():
    centers = toy.ring_centers(8, radius=2.0)
    assert centers.shape == (8, 2) and np.allclose(np.linalg.norm(centers, axis=1), 2.0)
    samples = toy.sample_mixture(centers, 0.05, 4000, np.random.default_rng(0))
    shares = toy.mode_shares(samples, centers, 0.05)
    assert samples.shape == (4000, 2) and samples.dtype == np.float32
    assert (
        shares.sum() > 0.98 and shares.min() > 0.1
    )  # within 3 std of a centre: 98.9% for a 2-D Gaussian
    assert toy.modes_covered(samples, centers, 0.05) == 8
    collapsed = toy.sample_mixture(centers[:1], 0.05, 1000, np.random.default_rng(1))
    assert toy.modes_covered(collapsed, centers, 0.05) == 1


def test_wasserstein_1d():
    a = np.random.default_rng(0).normal(size=500)
    assert toy.wasserstein_1d(a, a + 3.0) == pytest.approx(3.0)
    assert toy.wasserstein_1d(a, a[::-1]) == 0.0
    with pytest.raises(ValueError, match="same size"):
        toy.wasserstein_1d(a, a[:10])


# --- the tiny GAN ------------------------------------------------------------------------------


def one_d_run(generator_loss: str, steps: int):
    """The minimax chapter's comparison: data N(4, 0.5), D five steps per G step, plain SGD."""
    seed_everything(0)
    generator, discriminator = toy.mlp(1, 1, (16,)), toy.mlp(1, 1, (32, 32))

    def real(rng, n):
        return (4.0 + 0.5 * rng.standard_normal((n, 1))).astype(np.float32)

    run = toy.train_toy_gan(
        generator,
        discriminator,
        real,
        steps,
        generator_loss,
        d_optimizer=keras.optimizers.SGD(0.05),
        g_optimizer=keras.optimizers.SGD(0.05),
        d_steps=5,
        record_every=50,
    )
    return run, real(np.random.default_rng(1), 1000)


def test_train_toy_gan_records_what_it_promises():
    run, _ = one_d_run("nonsaturating", 20)
    assert (
        run.checkpoints == [0, 20] and len(run.samples) == 2 and run.samples[0].shape == (1000, 1)
    )
    assert run.d_loss.shape == run.g_loss.shape == run.d_accuracy.shape == (20,)
    assert np.all((run.d_accuracy >= 0) & (run.d_accuracy <= 1))


def test_the_saturating_generator_stalls_where_the_nonsaturating_one_learns():
    distances = {}
    for kind in ("nonsaturating", "saturating"):
        run, target = one_d_run(kind, 100)
        distances[kind] = toy.wasserstein_1d(run.samples[-1], target)
        assert toy.wasserstein_1d(run.samples[0], target) > 3.5  # both start about 4 away
    assert distances["nonsaturating"] < 0.5 and distances["saturating"] > 3.0


def test_train_toy_gan_refuses_bad_settings():
    generator, discriminator = toy.mlp(2, 2, ()), toy.mlp(2, 1, ())
    with pytest.raises(ValueError, match="generator_loss must be one of nonsaturating, saturating"):
        toy.train_toy_gan(
            generator, discriminator, lambda rng, n: np.zeros((n, 2), np.float32), 5, "minimax"
        )
    with pytest.raises(ValueError, match="must all be >= 1"):
        toy.train_toy_gan(
            generator, discriminator, lambda rng, n: np.zeros((n, 2), np.float32), 5, d_steps=0
        )

import numpy as np
import pytest

from mnistgan_lib.core.backend import keras, seed_everything, tf
from mnistgan_lib.foundations import optim


def quadratic(scale: float = 1.0):
    """The gradient of f(theta) = scale * |theta|^2 / 2."""
    return lambda theta: scale * theta


# --- agreement with Keras -------------------------------------------------------------------


def small_network() -> keras.Model:
    seed_everything(1)
    return keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(3)]
    )


def train(
    optimizer: keras.optimizers.Optimizer, steps: int = 100
) -> tuple[list[np.ndarray], list[float]]:
    """`steps` full-batch steps of a small classifier on fixed synthetic data.

    Returns the final weights and the losses.
    """
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 8)).astype("float32"), rng.integers(0, 3, 64)
    model, loss_fn = small_network(), keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x))
        optimizer.apply_gradients(
            zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        )
        return loss

    losses = [float(step()) for _ in range(steps)]
    return [w.numpy() for w in model.trainable_variables], losses


@pytest.mark.parametrize("lr", [1e-3, 1e-2])
def test_adam_matches_keras_adam_for_100_steps_on_a_keras_network(lr):
    expected, keras_losses = train(
        keras.optimizers.Adam(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
    )
    ours = optim.EquationOptimizer(
        "adam", learning_rate=lr, beta1=0.9, beta2=0.999, eps=1e-7, eps_form="hat"
    )
    weights, our_losses = train(ours)
    assert (
        ours.iterations.numpy() == 100 and keras_losses[-1] < 0.9 * keras_losses[0]
    )  # it really trained
    for mine, theirs in zip(weights, expected):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(our_losses, keras_losses, rtol=1e-5)


def test_numpy_adam_matches_keras_adam_on_a_gradient_sequence():
    rng = np.random.default_rng(3)
    gradients = rng.normal(size=(150, 5)) * np.logspace(
        -3, 1, 5
    )  # parameters with very different scales
    variable, keras_adam = tf.Variable(np.ones(5, np.float32)), keras.optimizers.Adam(0.01)
    theta, state = np.ones(5), {}
    for t, g in enumerate(gradients, start=1):
        keras_adam.apply_gradients([(tf.constant(g, tf.float32), variable)])
        theta, state = optim.adam_step(theta, g, state, t, lr=0.01, eps=1e-7, eps_form="hat")
    np.testing.assert_allclose(theta, variable.numpy(), rtol=1e-5)


@pytest.mark.parametrize(
    "method, keras_optimizer, hyper",
    [
        ("sgd", lambda: keras.optimizers.SGD(0.01), {}),
        ("momentum", lambda: keras.optimizers.SGD(0.01, momentum=0.9), {"momentum": 0.9}),
        (
            "rmsprop",
            lambda: keras.optimizers.RMSprop(0.001, rho=0.9, epsilon=1e-7),
            {"rho": 0.9, "eps": 1e-7},
        ),
    ],
)
def test_other_optimizers_match_keras(method, keras_optimizer, hyper):
    expected, _ = train(keras_optimizer(), steps=50)
    reference = keras_optimizer()
    weights, _ = train(
        optim.EquationOptimizer(
            method, learning_rate=float(reference.learning_rate.numpy()), **hyper
        ),
        50,
    )
    for mine, theirs in zip(weights, expected):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


# --- the two placements of epsilon -------------------------------------------------------------


def test_the_two_epsilon_forms_agree_without_epsilon():
    gradients = np.random.default_rng(0).normal(size=(50, 3))
    thetas = {}
    for form in optim.EPS_FORMS:
        theta, state = np.zeros(3), {}
        for t, g in enumerate(gradients, start=1):
            theta, state = optim.adam_step(theta, g, state, t, lr=0.1, eps=0.0, eps_form=form)
        thetas[form] = theta
    np.testing.assert_allclose(thetas["textbook"], thetas["hat"], rtol=1e-12)


@pytest.mark.parametrize("t", [1, 10, 1000])
def test_hat_epsilon_is_a_textbook_epsilon_divided_by_sqrt_of_one_minus_beta2_power(t):
    state = {"m": np.array([0.3, -2e-6]), "v": np.array([0.2, 1e-12])}
    grad, eps, beta2 = np.array([0.5, 1e-7]), 1e-7, 0.999
    hat, _ = optim.adam_step(0.0, grad, state, t, lr=0.1, eps=eps, eps_form="hat")
    textbook, _ = optim.adam_step(0.0, grad, state, t, lr=0.1, eps=eps / np.sqrt(1 - beta2**t))
    np.testing.assert_allclose(hat, textbook, rtol=1e-12)


def test_the_two_epsilon_forms_differ_for_gradients_near_epsilon():
    # On the first step a gradient of 1e-7 moves theta by lr/2 in the textbook form but by far
    # less in Keras's form.
    textbook, _ = optim.adam_step(0.0, 1e-7, {}, 1, lr=0.1, eps=1e-7)
    hat, _ = optim.adam_step(0.0, 1e-7, {}, 1, lr=0.1, eps=1e-7, eps_form="hat")
    assert textbook == pytest.approx(-0.05) and abs(hat) < abs(textbook) / 10


# --- what the equations promise --------------------------------------------------------------


def test_bias_correction_makes_every_step_lr_long_under_a_constant_gradient():
    path = optim.minimize(
        optim.adam_step, lambda theta: np.array([3.0, -0.01]), [0.0, 0.0], 20, lr=0.1, eps=0.0
    )
    np.testing.assert_allclose(np.diff(path, axis=0), np.tile([-0.1, 0.1], (20, 1)), rtol=1e-12)


def test_adam_is_invariant_to_the_scale_of_the_gradient():
    paths = [
        optim.minimize(optim.adam_step, quadratic(scale), [1.0], 100, lr=0.1, eps=0.0)
        for scale in (0.01, 1, 100)
    ]
    for path in paths[1:]:
        np.testing.assert_allclose(path, paths[0], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", list(optim.STEPS))
def test_every_method_finds_the_minimum_of_a_quadratic(name):
    step, _ = optim.STEPS[name]
    path = optim.minimize(step, quadratic(), [2.0, -1.0], 500, lr=0.05)
    assert path.shape == (501, 2)
    assert np.abs(path[-1]).max() < 0.05


def test_momentum_and_adaptive_methods_leave_the_saddle_sooner_than_gradient_descent():
    def escape(step, **hyper):
        path = optim.minimize(step, optim.saddle_valley_grad, [0.01, 1.5], 300, **hyper)
        return int(np.argmax(np.abs(path[:, 0]) > 0.5))

    sgd = escape(optim.sgd_step, lr=0.03)
    assert escape(optim.momentum_step, lr=0.03) < sgd and escape(optim.adam_step, lr=0.03) < sgd


def test_saddle_valley_gradient_matches_finite_differences():
    point, h = np.array([0.7, -0.3]), 1e-6
    numeric = [
        (optim.saddle_valley(point + h * e) - optim.saddle_valley(point - h * e)) / (2 * h)
        for e in np.eye(2)
    ]
    np.testing.assert_allclose(optim.saddle_valley_grad(point), numeric, rtol=1e-6)
    assert optim.saddle_valley([1.0, 0.0]) == -0.25 and optim.saddle_valley([0.0, 0.0]) == 0.0


def test_steps_to_settle():
    assert optim.steps_to_settle([5, 1, 0.1, 0.01, 0.0], 0.0, 0.2) == 2
    assert optim.steps_to_settle([0.0, 0.0], 0.0, 0.1) == 0
    assert optim.steps_to_settle([5, 0.0, 5], 0.0, 0.1) is None
    assert (
        optim.steps_to_settle([5, 0.0, np.nan], 0.0, 0.1) is None
    )  # a run that diverged never settles


# --- the source course's Adam -----------------------------------------------------------------


def source(bugs):
    return lambda *args, **hyper: optim.source_adam_step(*args, bugs=bugs, **hyper)


def test_source_adam_without_bugs_is_adam():
    expected = optim.minimize(optim.adam_step, quadratic(), [1.0, -2.0], 50, lr=0.1)
    np.testing.assert_allclose(
        optim.minimize(source(()), quadratic(), [1.0, -2.0], 50, lr=0.1), expected, rtol=1e-12
    )


def test_a_minus_in_the_first_moment_climbs_uphill():
    path = optim.minimize(source(("minus_in_m",)), quadratic(), [1.0], 200, lr=0.1)
    assert np.all(np.diff(np.abs(path[:, 0])) > 0) and abs(path[-1, 0]) > 20


@pytest.mark.parametrize("bugs", [("minus_in_v",), optim.SOURCE_BUGS])
def test_a_minus_in_the_second_moment_gives_nan_at_the_first_step(bugs):
    path = optim.minimize(source(bugs), quadratic(), [1.0], 3, lr=0.1)
    assert path[0, 0] == 1.0 and np.isnan(path[1:]).all()


def test_multiplying_by_the_gradient_ties_the_step_to_the_gradient_scale():
    first_steps = [
        1 - optim.minimize(source(("times_gradient",)), quadratic(c), [1.0], 1, lr=0.1)[1, 0]
        for c in (0.01, 1, 100)
    ]
    np.testing.assert_allclose(first_steps, [0.001, 0.1, 10.0], rtol=1e-6)
    crawl = optim.minimize(source(("times_gradient",)), quadratic(0.01), [1.0], 200, lr=0.1)
    diverge = optim.minimize(source(("times_gradient",)), quadratic(100), [1.0], 50, lr=0.1)
    assert crawl[-1, 0] > 0.8 and abs(diverge[-1, 0]) > 1e6


def test_source_formula_exactly_as_printed_by_hand():
    # The source: v_t = b1 v - (1 - b1) g,  s_t = b2 s - (1 - b2) g^2,
    # dw_t = -eta v_t / sqrt(s_t + eps) * g_t,  w <- w + dw: no bias correction, eps in the root.
    # Gradients this small keep s_t + eps > 0, so the steps are numbers, not NaN.
    eta, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    gradients = [1e-3, -2e-3, 5e-4]
    w, v, s = 0.5, 0.0, 0.0
    theta, state = np.array([0.5]), {}
    for t, g in enumerate(gradients, start=1):
        v = b1 * v - (1 - b1) * g
        s = b2 * s - (1 - b2) * g**2
        w = w + (-eta * v / (s + eps) ** 0.5 * g)
        theta, state = optim.source_adam_step(
            theta, np.array([g]), state, t, eps_in_root=True, lr=eta, beta1=b1, beta2=b2, eps=eps
        )
        assert state["m"][0] == pytest.approx(v, rel=1e-12)
        assert state["v"][0] == pytest.approx(s, rel=1e-12)
        assert theta[0] == pytest.approx(w, rel=1e-12)
    # The first step written out: v_1 = -1e-4, s_1 = -1e-9, dw_1 = 0.1 * 1e-4 / sqrt(9e-9) * 1e-3.
    first, _ = optim.source_adam_step(
        np.array([0.5]), np.array([1e-3]), {}, 1, eps_in_root=True, lr=0.1
    )
    assert first[0] - 0.5 == pytest.approx(1e-8 / 9e-9**0.5, rel=1e-12)
    # An ordinary gradient makes s_1 + eps negative: NaN at the first step.
    nan, _ = optim.source_adam_step(np.array([0.5]), np.array([1.0]), {}, 1, eps_in_root=True)
    assert np.isnan(nan).all()


def test_no_bias_correction_alone_takes_the_uncorrected_steps():
    uncorrected = source(("no_bias_correction",))
    path = optim.minimize(uncorrected, np.ones_like, [0.0], 50, lr=0.1, eps=0.0)
    t = np.arange(1, 51)
    expected = 0.1 * (1 - 0.9**t) / np.sqrt(1 - 0.999**t)  # the Adam chapter's table
    np.testing.assert_allclose(-np.diff(path[:, 0]), expected, rtol=1e-12)


@pytest.mark.parametrize(
    "bugs, eps_in_root", [(("times_gradient",), False), (optim.SOURCE_BUGS, True)]
)
def test_with_the_extra_gradient_the_step_is_uphill_exactly_when_the_first_moment_is_negative(
    bugs, eps_in_root
):
    rng = np.random.default_rng(0)
    n = 10_000
    grad = rng.normal(size=n) * 10.0 ** rng.uniform(-4, 1, n)
    # Second moments from which s_t + eps stays positive even with the minus in v.
    state = {"m": rng.normal(size=n), "v": rng.uniform(0, 1, n) + grad**2}
    t = 7
    step, new = optim.source_adam_step(
        np.zeros(n), grad, state, t, bugs=bugs, eps_in_root=eps_in_root
    )
    assert np.isfinite(step).all()
    uphill = grad * step > 0
    np.testing.assert_array_equal(uphill, new["m"] < 0)
    # Disagreeing in sign with the gradient is not the condition.
    assert np.any(uphill != (new["m"] * grad < 0))


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hyper, message",
    [
        ({"lr": 0.0}, r"lr must be a positive finite number, got 0\.0"),
        ({"lr": -1e-3}, "lr must be a positive finite number"),
        ({"lr": float("nan")}, "lr must be a positive finite number"),
        ({"beta1": 1.0}, r"beta1 must lie in \[0, 1\), got 1\.0; the usual value is beta1=0\.9"),
        ({"beta2": -0.1}, r"beta2 must lie in \[0, 1\)"),
        ({"eps": -1e-8}, "eps must be a finite number >= 0"),
        ({"eps_form": "keras"}, "eps_form must be one of textbook, hat, got 'keras'"),
    ],
)
def test_adam_refuses_bad_hyperparameters(hyper, message):
    with pytest.raises(ValueError, match=message):
        optim.adam_step(np.zeros(2), np.ones(2), {}, 1, **hyper)


def test_other_steps_refuse_bad_hyperparameters():
    with pytest.raises(ValueError, match=r"momentum must lie in \[0, 1\)"):
        optim.momentum_step(0.0, 1.0, {}, 1, momentum=1.5)
    with pytest.raises(ValueError, match=r"rho must lie in \[0, 1\)"):
        optim.rmsprop_step(0.0, 1.0, {}, 1, rho=1.0)
    with pytest.raises(ValueError, match="lr must be a positive"):
        optim.sgd_step(0.0, 1.0, {}, 1, lr=0)
    with pytest.raises(ValueError, match="unknown: minus_everywhere"):
        optim.source_adam_step(0.0, 1.0, {}, 1, bugs=("minus_everywhere",))
    with pytest.raises(ValueError, match="steps must be a non-negative int"):
        optim.minimize(optim.sgd_step, quadratic(), [1.0], -1)


def test_equation_optimizer_checks_its_arguments_when_built():
    with pytest.raises(
        ValueError, match="method must be one of sgd, momentum, rmsprop, adam, got 'adagrad'"
    ):
        optim.EquationOptimizer("adagrad")
    with pytest.raises(ValueError, match="lr must be a positive finite number, got -0.1"):
        optim.EquationOptimizer("adam", learning_rate=-0.1)
    with pytest.raises(ValueError, match=r"beta2 must lie in \[0, 1\)"):
        optim.EquationOptimizer("adam", beta2=1.2)
    with pytest.raises(ValueError, match="beta_1"):
        optim.EquationOptimizer("adam", beta_1=0.9)  # Keras's spelling is not this module's


def test_equation_optimizer_config_round_trips():
    original = optim.EquationOptimizer("rmsprop", learning_rate=0.01, rho=0.8, clipnorm=1.0)
    config = original.get_config()
    assert config["method"] == "rmsprop" and config["rho"] == 0.8 and config["clipnorm"] == 1.0
    copy = optim.EquationOptimizer.from_config(config)
    assert copy.hyper == {"rho": 0.8} and copy.clipnorm == 1.0
    assert float(copy.learning_rate.numpy()) == pytest.approx(0.01)

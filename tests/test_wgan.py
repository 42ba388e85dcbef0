"""The Wasserstein GAN.

Losses, the gradient penalty against hand-computed values, clipping, critic steps, training.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import evaluate_like_the_card, needs_real_mnist, tiny_run

from mnistgan_lib.core.backend import keras, tf
from mnistgan_lib.gans import presets, wgan
from mnistgan_lib.gans.stabilization import Stabilization
from mnistgan_lib.running import callbacks, training
from mnistgan_lib.running.runs import read_history


def linear_critic(w: np.ndarray, bias: float = 0.3) -> keras.Model:
    """f(x) = w . x + b on flat inputs.

    Its gradient is w everywhere, so its gradient norm is |w|.
    """
    inputs = keras.Input((len(w),))
    layer = keras.layers.Dense(1)
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([np.asarray(w, np.float32)[:, None], np.array([bias], np.float32)])
    return model


# --- losses -----------------------------------------------------------------------------


def test_losses_have_the_signs_of_the_duality():
    real, fake = tf.constant([[3.0], [1.0]]), tf.constant([[-1.0], [0.0]])
    assert float(wgan.wasserstein_estimate(real, fake)) == pytest.approx(2.5)  # 2 - (-0.5)
    assert float(wgan.critic_loss(real, fake)) == pytest.approx(
        -2.5
    )  # the critic maximises the estimate
    assert float(wgan.generator_loss(fake)) == pytest.approx(
        0.5
    )  # the generator wants higher fake scores


def test_the_source_loss_on_plus_minus_one_labels_is_the_critic_loss():
    real, fake = tf.constant([[3.0], [1.0]]), tf.constant([[-1.0], [0.0]])
    labels = tf.constant([[-1.0], [-1.0], [1.0], [1.0]])
    source = 2 * wgan.source_loss(
        labels, tf.concat([real, fake], 0)
    )  # Keras averaged over both halves at once
    assert float(source) == pytest.approx(float(wgan.critic_loss(real, fake)))


# --- gradient penalty -------------------------------------------------------------------


def test_gradient_penalty_of_a_linear_critic_is_the_squared_distance_of_its_norm_from_one():
    w = np.array([3.0, 4.0])  # |w| = 5, so the penalty is (5 - 1)^2 = 16 wherever it is evaluated
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    penalty = wgan.gradient_penalty(linear_critic(w), real, fake, weights=[0.0, 0.25, 0.5, 1.0])
    assert float(penalty) == pytest.approx(16.0, rel=1e-5)
    assert float(
        wgan.gradient_penalty(linear_critic(np.array([0.6, 0.8])), real, fake, [0.5] * 4)
    ) == pytest.approx(0.0, abs=1e-6)


def test_gradient_penalty_of_a_nonlinear_critic_matches_a_hand_computed_value():
    # f(x) = sum(x^2): grad = 2 x_hat, so the penalty is mean((2 |x_hat| - 1)^2),
    # x_hat = w real + (1 - w) fake.
    inputs = keras.Input((2,))
    critic = keras.Model(inputs, keras.ops.sum(keras.ops.square(inputs), axis=1, keepdims=True))
    real, fake, weights = (
        np.array([[1.0, 0.0], [0.0, 2.0]]),
        np.array([[0.0, 0.0], [2.0, 0.0]]),
        np.array([0.5, 0.25]),
    )
    # Point 1: (0.5, 0), |grad| = 1, term 0.
    # Point 2: (1.5, 0.5), |grad| = 2 sqrt(2.5), term (2 sqrt(2.5) - 1)^2.
    expected = (0.0 + (2 * np.sqrt(2.5) - 1) ** 2) / 2
    assert float(wgan.gradient_penalty(critic, real, fake, weights)) == pytest.approx(
        expected, rel=1e-5
    )


def test_gradient_penalty_on_images_uses_one_weight_per_image():
    critic = wgan.build_critic()
    rng = np.random.default_rng(1)
    real, fake = rng.uniform(-1, 1, (3, 28, 28, 1)), rng.uniform(-1, 1, (3, 28, 28, 1))
    at_real = wgan.gradient_penalty(critic, real, fake, [1.0, 1.0, 1.0])
    with tf.GradientTape() as tape:
        x = tf.constant(real, tf.float32)
        tape.watch(x)
        scores = critic(x, training=True)
    norms = np.sqrt((np.asarray(tape.gradient(scores, x)) ** 2).sum(axis=(1, 2, 3)))
    assert float(at_real) == pytest.approx(np.mean((norms - 1) ** 2), rel=1e-4)


@pytest.mark.parametrize(
    "weights, message",
    [
        ([0.5, 1.5], r"weights must lie in \[0, 1\]"),
        (
            [0.5],
            r"weights must hold one interpolation weight per example, "
            r"shape \(2,\), got shape \(1,\)",
        ),
    ],
)
def test_bad_interpolation_weights_are_refused(weights, message):
    with pytest.raises(ValueError, match=message):
        wgan.gradient_penalty(linear_critic(np.ones(2)), np.zeros((2, 2)), np.ones((2, 2)), weights)


def test_interpolation_weights_are_uniform_on_the_unit_interval():
    weights = np.asarray(wgan.interpolation_weights(20_000, keras.random.SeedGenerator(0)))
    assert (
        weights.min() >= 0 and weights.max() <= 1 and weights.mean() == pytest.approx(0.5, abs=0.01)
    )


# --- clipping and settings --------------------------------------------------------------


def test_clipping_keeps_every_critic_weight_within_c_and_reports_the_share_moved():
    critic = wgan.build_critic()
    before = np.concatenate([np.ravel(w) for w in critic.get_weights()])
    share = float(wgan.clip_weights(critic, 0.01))
    after = np.concatenate([np.ravel(w) for w in critic.get_weights()])
    assert np.abs(after).max() <= 0.01 and share == pytest.approx(np.mean(np.abs(before) > 0.01))


def test_a_training_step_leaves_the_clip_critic_within_c():
    model = presets.build_gan("wgan-clip", seed=0)
    model.train_step(tf.random.uniform((8, 28, 28, 1), -1, 1))
    assert max(np.abs(w).max() for w in model.discriminator.get_weights()) <= 0.01


def test_the_generator_is_updated_once_every_critic_steps_critic_updates():
    model = presets.build_gan("wgan-gp", seed=0)
    batch = tf.random.uniform((8, 28, 28, 1), -1, 1)
    step = tf.function(model.train_step)
    generator_counts = []
    for _ in range(11):
        trained = (
            model.generator.trainable_variables
        )  # not BatchNorm's moving averages, which every forward pass moves
        before = [np.array(w) for w in trained]
        step(batch)
        changed = any(not np.array_equal(a, np.array(b)) for a, b in zip(before, trained))
        generator_counts.append(int(model.g_optimizer.iterations) if changed else None)
    assert int(model.d_optimizer.iterations) == 11 and int(model.g_optimizer.iterations) == 2
    assert generator_counts == [None] * 4 + [1] + [None] * 4 + [2] + [None]


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"critic_steps": 0}, r"critic_steps must be a whole number >= 1 .* got 0"),
        ({"critic_steps": 2.5}, r"critic_steps must be a whole number >= 1 .* got 2.5"),
        (
            {"clip_value": -0.01, "gp_weight": 0},
            r"clip_value must be a finite number > 0 .* got -0.01",
        ),
        ({"gp_weight": -1.0}, r"gp_weight must be a finite number >= 0 .* got -1.0"),
        (
            {"clip_value": 0.01, "gp_weight": 10},
            r"choose one Lipschitz constraint: clip_value=0.01 or gp_weight=10, not both",
        ),
        (
            {"clip_value": None, "gp_weight": 0},
            r"a WGAN critic needs a Lipschitz constraint: set clip_value .* or gp_weight",
        ),
        (
            {"gp_weight": 10, "unconstrained": True},
            r"unconstrained=True means no constraint, but clip_value or gp_weight is set",
        ),
    ],
)
def test_bad_settings_are_refused_with_the_argument_named(settings, message):
    with pytest.raises(ValueError, match=message):
        wgan.WGAN(keras.Sequential(), keras.Sequential(), latent_dim=4, **settings)


def test_a_gan_generator_loss_is_refused_for_a_wgan():
    with pytest.raises(ValueError, match=r"generator_loss='saturating' does not apply to a WGAN"):
        presets.build_gan("wgan-gp", generator_loss="saturating")


def test_label_tricks_are_refused_for_a_critic():
    with pytest.raises(
        ValueError, match=r"label smoothing and label flipping do not apply to a Wasserstein critic"
    ):
        presets.build_gan("wgan-gp", stabilization=Stabilization(real_labels=0.9))


def test_the_presets_share_one_generator_and_the_gp_critic_has_no_batch_norm():
    wgan_presets = [presets.get_preset(name) for name in ("wgan-source", "wgan-clip", "wgan-gp")]
    assert (
        len({p.build_generator for p in wgan_presets}) == 1
        and len({p.latent_dim for p in wgan_presets}) == 1
    )
    critic = wgan_presets[2].build_discriminator()
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in critic.layers)
    assert (
        isinstance(critic.layers[-1], keras.layers.Dense)
        and critic.layers[-1].activation.__name__ == "linear"
    )
    assert wgan_presets[2].gan_options == {"critic_steps": 5, "clip_value": None, "gp_weight": 10.0}
    optimizer = wgan_presets[2].make_optimizer()
    assert (float(optimizer.learning_rate), optimizer.beta_1, optimizer.beta_2) == pytest.approx(
        (1e-4, 0.5, 0.9)
    )
    clip = wgan_presets[1].make_optimizer()
    assert isinstance(clip, keras.optimizers.RMSprop) and float(
        clip.learning_rate
    ) == pytest.approx(5e-5)


# --- training runs ----------------------------------------------------------------------


def test_wgan_gp_trains_logs_its_estimate_and_resumes_exactly(tiny_data, tmp_path):
    straight = training.train(tiny_run("wgan-gp", epochs=2), tmp_path / "straight")
    training.train(tiny_run("wgan-gp", epochs=1), tmp_path / "stopped")
    resumed = training.train(tiny_run("wgan-gp", epochs=2), tmp_path / "stopped")
    rows = read_history(tmp_path / "straight" / "history.csv")
    assert list(rows[0]) == [
        "epoch",
        "seconds",
        "critic_loss",
        "g_loss",
        "wasserstein",
        "gradient_penalty",
    ]
    assert all(np.isfinite(list(row.values())).all() for row in rows)
    assert (
        int(straight.g_optimizer.iterations) == 8 // 5 and int(straight.d_optimizer.iterations) == 8
    )  # 4 steps an epoch
    for a, b in zip(straight.generator.get_weights(), resumed.generator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(straight.discriminator.get_weights(), resumed.discriminator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    resumed_rows = read_history(tmp_path / "stopped" / "history.csv")
    assert [r["wasserstein"] for r in rows] == pytest.approx(
        [r["wasserstein"] for r in resumed_rows], rel=1e-5
    )


def test_wgan_clip_run_logs_the_share_of_clipped_weights(tiny_data, tmp_path):
    model = training.train(tiny_run("wgan-clip", epochs=1), tmp_path / "clip")
    row = read_history(tmp_path / "clip" / "history.csv")[0]
    assert 0 < row["clipped_share"] <= 1 and "gradient_penalty" not in row
    assert max(np.abs(w).max() for w in model.discriminator.get_weights()) <= 0.01


@needs_real_mnist
def test_evaluate_model_wgan_gp_reproduces_the_numbers_on_its_card():
    from mnistgan_lib.core import pretrained

    _, card = evaluate_like_the_card("wgan-gp", ("mean_confidence",))
    assert (
        card["preset"] == "wgan-gp"
        and pretrained.read_card("wgan-gp-discriminator")["role"] == "discriminator"
    )


def test_a_diverging_critic_stops_training_naming_its_loss(tiny_data, tmp_path, monkeypatch):
    out = tmp_path / "run"
    training.train(tiny_run("wgan-gp", epochs=1), out)
    # An infinite score poisons the critic's loss on the first step of epoch 2
    # (step 5: 4 steps an epoch).
    monkeypatch.setattr(
        wgan,
        "critic_loss",
        lambda real, fake: tf.reduce_mean(fake) - tf.reduce_mean(real) + float("inf"),
    )
    with pytest.raises(
        callbacks.TrainingDiverged, match=r"critic_loss became inf at step 5 \(epoch 2\)"
    ):
        training.train(tiny_run("wgan-gp", epochs=2), out)
    assert [row["epoch"] for row in read_history(out / "history.csv")] == [1]

import numpy as np
import pytest

from mnistgan_lib.core.backend import tf
from mnistgan_lib.foundations import losses

LOGITS = np.array([-4.0, -1.0, 0.0, 0.5, 3.0])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_losses_equal_their_textbook_formulas_on_moderate_logits():
    real, fake = np.array([2.0, -0.5, 1.0]), LOGITS
    d_real, d_fake = sigmoid(real), sigmoid(fake)
    expected_d = -np.log(d_real).mean() - np.log(1 - d_fake).mean()
    assert float(losses.discriminator_loss(real, fake)) == pytest.approx(expected_d, rel=1e-6)
    assert float(losses.generator_loss_saturating(fake)) == pytest.approx(
        np.log(1 - d_fake).mean(), rel=1e-6
    )
    assert float(losses.generator_loss_nonsaturating(fake)) == pytest.approx(
        -np.log(d_fake).mean(), rel=1e-6
    )


def test_a_discriminator_that_cannot_tell_pays_two_log_two():
    zeros = tf.zeros((8, 1))
    assert float(losses.discriminator_loss(zeros, zeros)) == pytest.approx(2 * np.log(2), rel=1e-6)


def test_losses_stay_finite_where_probabilities_round_to_zero_or_one():
    # In float32, sigmoid(-100) is 0 and sigmoid(100) is 1, so log D or log(1 - D) would be -inf.
    confident = tf.constant([-100.0, 100.0])
    assert float(losses.generator_loss_nonsaturating(tf.constant([-100.0]))) == pytest.approx(100.0)
    assert float(losses.generator_loss_saturating(tf.constant([100.0]))) == pytest.approx(-100.0)
    assert np.isfinite(float(losses.discriminator_loss(confident, confident)))


def gradient(loss_fn, logits: np.ndarray) -> np.ndarray:
    variable = tf.Variable(logits, dtype=tf.float32)
    with tf.GradientTape() as tape:
        loss = loss_fn(variable)
    return tape.gradient(loss, variable).numpy()


def test_generator_gradients_wrt_logits_are_minus_d_and_minus_one_minus_d():
    d, n = sigmoid(LOGITS), len(LOGITS)  # gradients of a mean over n examples carry 1/n
    np.testing.assert_allclose(
        gradient(losses.generator_loss_saturating, LOGITS), -d / n, rtol=1e-5, atol=1e-8
    )
    np.testing.assert_allclose(
        gradient(losses.generator_loss_nonsaturating, LOGITS), -(1 - d) / n, rtol=1e-5, atol=1e-8
    )


def test_the_saturating_loss_has_no_gradient_when_d_rejects_the_fake():
    rejected = np.array([-10.0])  # D(G(z)) = 4.5e-5
    assert abs(gradient(losses.generator_loss_saturating, rejected)[0]) < 1e-4
    assert abs(gradient(losses.generator_loss_nonsaturating, rejected)[0]) > 0.999


def test_generator_loss_dispatches_by_kind():
    assert float(losses.generator_loss(LOGITS)) == float(
        losses.generator_loss_nonsaturating(LOGITS)
    )
    assert float(losses.generator_loss(LOGITS, "saturating")) == float(
        losses.generator_loss_saturating(LOGITS)
    )
    with pytest.raises(
        ValueError, match="kind must be one of nonsaturating, saturating, got 'wasserstein'"
    ):
        losses.generator_loss(LOGITS, "wasserstein")


def test_soft_targets_for_label_smoothing():
    real, fake = np.array([1.5, -0.3]), np.array([0.2, -2.0])
    smoothed = float(losses.discriminator_loss(real, fake, real_target=0.9))
    expected = (
        -(0.9 * np.log(sigmoid(real)) + 0.1 * np.log(1 - sigmoid(real))).mean()
        - np.log(1 - sigmoid(fake)).mean()
    )
    assert smoothed == pytest.approx(expected, rel=1e-6)
    per_example = float(
        losses.discriminator_loss(real, fake, real_target=np.array([0.9, 1.0], np.float32))
    )
    assert np.isfinite(per_example)


def test_soft_targets_work_inside_a_compiled_function():
    compiled = tf.function(
        lambda real, target: losses.discriminator_loss(real, -real, real_target=target)
    )
    assert np.isfinite(float(compiled(tf.constant([1.0, 2.0]), tf.constant([0.9, 0.8]))))


def test_discriminator_accuracy():
    real, fake = np.array([1.0, 2.0, -1.0, 3.0]), np.array([-1.0, 0.5])
    assert float(losses.discriminator_accuracy(real, fake)) == pytest.approx((3 / 4 + 1 / 2) / 2)


def test_bad_input_is_named():
    with pytest.raises(
        ValueError,
        match="fake_logits must hold floating-point discriminator logits, got dtype int32",
    ):
        losses.generator_loss_nonsaturating(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="real_logits is empty"):
        losses.discriminator_loss(tf.zeros((0,)), tf.zeros((2,)))
    with pytest.raises(ValueError, match=r"real_target must lie in \[0, 1\].*got 1\.2"):
        losses.discriminator_loss(LOGITS, LOGITS, real_target=1.2)
    with pytest.raises(ValueError, match=r"fake_target must lie in \[0, 1\]"):
        losses.discriminator_loss(LOGITS, LOGITS, fake_target=-0.1)

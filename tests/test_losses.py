import math

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from tfvae import losses


def test_kl_matches_closed_form_per_dimension():
    rng = np.random.default_rng(0)
    z_mean = rng.normal(size=(5, 3)).astype("float32")
    z_log_var = rng.normal(size=(5, 3)).astype("float32")
    var = np.exp(z_log_var)
    expected = 0.5 * np.sum(var + z_mean**2 - 1.0 - z_log_var, axis=1)
    got = losses.kl_divergence(tf.constant(z_mean), tf.constant(z_log_var)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_kl_is_zero_at_the_prior():
    zeros = tf.zeros((4, 2))
    np.testing.assert_allclose(losses.kl_divergence(zeros, zeros).numpy(), 0.0, atol=1e-7)


def test_gaussian_nll_matches_scipy_with_learned_variance():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3)).astype("float32")
    x_hat = rng.normal(size=(4, 3)).astype("float32")
    log_var = np.array([0.0, -1.0, 2.0], "float32")
    expected = -stats.norm.logpdf(x, loc=x_hat, scale=np.exp(0.5 * log_var)).sum(axis=1)
    got = losses.negative_log_likelihood(x, tf.constant(x_hat), "gaussian", log_var).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_bernoulli_nll_is_summed_binary_cross_entropy():
    x = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    p = np.array([[0.9, 0.2], [0.5, 0.25]], "float32")
    expected = [-(math.log(0.9) + math.log(0.8)), -(math.log(0.5) + math.log(0.25))]
    got = losses.negative_log_likelihood(x, tf.constant(p), "bernoulli").numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_reconstruction_error_reduces_over_all_non_batch_axes():
    x = np.zeros((2, 4, 4, 1), "float32")
    x_hat = np.ones((2, 4, 4, 1), "float32") * np.array([1.0, 2.0]).reshape(2, 1, 1, 1)
    np.testing.assert_allclose(losses.reconstruction_error(x, tf.constant(x_hat), "mse"), [1, 4])
    np.testing.assert_allclose(losses.reconstruction_error(x, tf.constant(x_hat), "mae"), [1, 2])


def test_unknown_kinds_are_refused():
    x = tf.zeros((1, 2))
    with pytest.raises(ValueError, match="kind='huber'"):
        losses.reconstruction_error(x, x, "huber")
    with pytest.raises(ValueError, match="likelihood='poisson'"):
        losses.negative_log_likelihood(x, x, "poisson")


def test_average_over_global_batch_is_the_mean_outside_a_strategy():
    per_example = tf.constant([1.0, 2.0, 3.0, 6.0])
    assert float(losses.average_over_global_batch(per_example)) == 3.0


def test_trimmed_weights_keep_the_lowest_losses():
    per_example = tf.constant([0.5, 9.0, 0.1, 3.0, 0.2], "float32")
    np.testing.assert_array_equal(losses.trimmed_weights(per_example, 0.4).numpy(), [1, 0, 1, 0, 1])
    np.testing.assert_array_equal(losses.trimmed_weights(per_example, 0.0).numpy(), [1, 1, 1, 1, 1])
    # Never an empty batch: at least the best row is kept.
    np.testing.assert_array_equal(losses.trimmed_weights(per_example[:1], 0.49).numpy(), [1])


def test_kl_sums_over_ensemble_members_too():
    z_mean = tf.ones((2, 3, 4))
    np.testing.assert_allclose(
        losses.kl_divergence(z_mean, tf.zeros((2, 3, 4))).numpy(), [6.0, 6.0]
    )

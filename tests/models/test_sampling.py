import numpy as np
import pytest
import tensorflow as tf
from helpers import config_round_trip

from tfvae.models import Sampling


def test_sampling_has_the_posterior_moments():
    tf.random.set_seed(0)
    z_mean = tf.fill((20000, 2), 3.0)
    z_log_var = tf.fill((20000, 2), np.log(0.25).astype("float32"))
    z = Sampling(seed=1)([z_mean, z_log_var]).numpy()
    assert z.shape == (20000, 2)
    np.testing.assert_allclose(z.mean(axis=0), 3.0, atol=0.02)
    np.testing.assert_allclose(z.std(axis=0), 0.5, atol=0.02)


def test_sampling_config_round_trip():
    assert config_round_trip(Sampling(seed=7)).seed == 7


def test_sampling_rejects_a_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        Sampling(seed="seven")


def test_sampling_runs_under_mirrored_strategy(mirrored_strategy):
    strategy = mirrored_strategy
    layer = Sampling(seed=3)

    @tf.function
    def step(z_mean, z_log_var):
        return layer([z_mean, z_log_var])

    result = strategy.run(step, args=(tf.zeros((4, 2)), tf.zeros((4, 2))))
    values = strategy.experimental_local_results(result)
    assert len(values) == 2 and all(v.shape == (4, 2) for v in values)


def test_sampling_with_a_step_is_a_function_of_seed_and_step():
    z_mean, z_log_var = tf.zeros((64, 3)), tf.zeros((64, 3))
    draw = lambda seed, step: Sampling(seed=seed)([z_mean, z_log_var], step=step).numpy()  # noqa: E731
    np.testing.assert_array_equal(draw(1, 5), draw(1, 5))  # no state carried between calls
    assert not np.allclose(draw(1, 5), draw(1, 6))
    assert not np.allclose(draw(1, 5), draw(2, 5))


def test_sampling_with_a_step_differs_between_replicas(mirrored_strategy):
    layer = Sampling(seed=3)

    @tf.function
    def step(z_mean, z_log_var):
        return layer([z_mean, z_log_var], step=tf.constant(7, "int64"))

    result = mirrored_strategy.run(step, args=(tf.zeros((4, 2)), tf.zeros((4, 2))))
    first, second = (v.numpy() for v in mirrored_strategy.experimental_local_results(result))
    assert not np.allclose(first, second)

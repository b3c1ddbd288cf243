"""The VAE's loss and gradients are the same under MirroredStrategy (2 logical CPUs).

Runs in its own pytest process (`make test` does that): TensorFlow's CPU collectives
abort with "Shape mismatch in the collective instance" when models of different shapes
are trained under MirroredStrategy in one process, as `tests/training` also does.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import gaussian_blobs

from tfvae.models import VAE, DenseDecoder, DenseEncoder

pytestmark = pytest.mark.own_process


@keras.saving.register_keras_serializable(package="tfvae_tests")
class PosteriorMean(keras.layers.Layer):
    """Test-only stand-in for `Sampling` returning `z_mean`, so runs are comparable."""

    def call(self, inputs, step=None):
        return inputs[0]


def _train(strategy, x, deterministic=True):
    with strategy.scope():
        keras.utils.set_random_seed(42)
        vae = VAE(DenseEncoder(2, hidden_units=[8]), DenseDecoder(x.shape[1], hidden_units=[8]))
        if deterministic:
            vae.sampling = PosteriorMean()
        vae.compile(optimizer=keras.optimizers.SGD(0.01))
        history = vae.fit(x, epochs=2, batch_size=32, shuffle=False, verbose=0).history
    return history, [v.numpy() for v in vae.trainable_variables]


def test_mirrored_loss_and_weights_equal_single_device(mirrored_strategy):
    x = gaussian_blobs(256)
    mirrored = mirrored_strategy
    single_history, single_weights = _train(tf.distribute.get_strategy(), x)
    mirrored_history, mirrored_weights = _train(mirrored, x)
    for key in ("loss", "reconstruction_loss", "kl_loss"):
        np.testing.assert_allclose(mirrored_history[key], single_history[key], rtol=1e-5)
    for single, mirrored_value in zip(single_weights, mirrored_weights):
        np.testing.assert_allclose(mirrored_value, single, rtol=1e-4, atol=1e-6)


def test_sampling_vae_trains_under_mirrored_strategy(mirrored_strategy):
    history, _ = _train(mirrored_strategy, gaussian_blobs(128), deterministic=False)
    assert np.isfinite(history["loss"]).all()

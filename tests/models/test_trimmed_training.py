"""Trimmed-loss training: the worst-fitted rows of a batch get no gradient."""

import keras
import numpy as np
from helpers import gaussian_blobs

from tfvae.models import Autoencoder, DenseDecoder, DenseEncoder


def _autoencoder(trim_fraction):
    keras.utils.set_random_seed(3)
    model = Autoencoder(
        DenseEncoder(2, hidden_units=[8]),
        DenseDecoder(6, hidden_units=[8]),
        trim_fraction=trim_fraction,
    )
    model.build((None, 6))
    return model


def _one_sgd_step(model, x, learning_rate):
    model.compile(optimizer=keras.optimizers.SGD(learning_rate))
    model.fit(x, epochs=1, batch_size=len(x), shuffle=False, verbose=0)
    return [w.numpy() for w in model.trainable_weights]


def test_trimmed_step_ignores_the_outlier():
    x = gaussian_blobs(4)
    outlier = np.vstack([x, np.full((1, 6), 50.0, "float32")])
    trimmed = _one_sgd_step(_autoencoder(0.2), outlier, learning_rate=0.01)
    # The same step on the 4 inliers alone; the loss is divided by the global batch (5).
    plain = _one_sgd_step(_autoencoder(0.0), x, learning_rate=0.01 * 4 / 5)
    for a, b in zip(trimmed, plain):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    untrimmed = _one_sgd_step(_autoencoder(0.0), outlier, learning_rate=0.01)
    assert max(np.abs(a - b).max() for a, b in zip(untrimmed, plain)) > 1e-3

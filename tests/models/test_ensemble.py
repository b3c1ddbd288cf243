"""Ensembles of VAEs trained as one Keras model: layer, parts, scores."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import config_round_trip, gaussian_blobs, keras_round_trip

from tfvae import anomaly_scores
from tfvae.models import VAE, DenseDecoder, DenseEncoder
from tfvae.models.ensemble_dense import EnsembleDense


def test_members_are_independent():
    layer = EnsembleDense(4, members=3, activation="relu")
    x = tf.constant(np.random.default_rng(0).normal(size=(1, 5, 6)), "float32")
    with tf.GradientTape() as tape:
        out = layer(x)
        member_0 = tf.reduce_sum(out[0])
    assert out.shape == (3, 5, 4)
    gradient = tape.gradient(member_0, layer.kernel).numpy()
    assert np.any(gradient[0] != 0) and np.all(gradient[1:] == 0)
    assert config_round_trip(layer).members == 3


def test_member_kernels_are_initialised_like_a_dense_kernel():
    # Glorot over [in, out] for every member, whatever the number of members.
    layer = EnsembleDense(64, members=8)
    layer.build((1, None, 64))
    kernel = layer.kernel.numpy()
    assert abs(kernel.std() - np.sqrt(6.0 / 128) / np.sqrt(3)) < 0.01
    assert not np.allclose(kernel[0], kernel[1])


def _ensemble_vae(members, n_features=6):
    vae = VAE(
        DenseEncoder(2, hidden_units=[8], members=members),
        DenseDecoder(n_features, hidden_units=[8], members=members),
        seed=1,
    )
    vae.build((None, n_features))
    return vae


def test_ensemble_scores_are_the_mean_of_its_members():
    x = gaussian_blobs(32)
    vae = _ensemble_vae(members=3)
    out = {k: v.numpy() for k, v in anomaly_scores(vae, x).items()}
    assert out["z_mean"].shape == (32, 3, 2) and out["reconstruction"].shape == (32, 6)
    per_member = vae.decode(out["z_mean"]).numpy()  # [batch, members, features]
    squared = (x[:, None, :] - per_member) ** 2
    np.testing.assert_allclose(out["feature_errors"], squared.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(out["reconstruction_error"], squared.mean(axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(out["reconstruction"], per_member.mean(axis=1), rtol=1e-5)
    kl = -0.5 * (1 + out["z_log_var"] - out["z_mean"] ** 2 - np.exp(out["z_log_var"]))
    np.testing.assert_allclose(out["kl"], kl.sum(axis=(1, 2)) / 3, rtol=1e-4)
    nll = 0.5 * (squared + np.log(2 * np.pi)).sum(axis=(1, 2)) / 3
    np.testing.assert_allclose(out["negative_elbo"], nll + out["kl"], rtol=1e-4)


def test_ensemble_trains_and_round_trips(tmp_path):
    x = gaussian_blobs(256)
    vae = _ensemble_vae(members=4)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = vae.fit(x, epochs=5, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loaded = keras_round_trip(vae, tmp_path / "ensemble.keras")
    assert loaded.members == 4
    np.testing.assert_allclose(
        anomaly_scores(loaded, x)["score"].numpy(),
        anomaly_scores(vae, x)["score"].numpy(),
        rtol=1e-6,
    )


@pytest.mark.parametrize(
    "make", [lambda: DenseEncoder(2, members=0), lambda: DenseDecoder(3, members=1.5)]
)
def test_bad_members_are_named(make):
    with pytest.raises(ValueError, match="members"):
        make()

"""Shared test helpers: config and `.keras` round trips, small data sets."""

import keras
import numpy as np


def config_round_trip(layer):
    """Rebuilds `layer` from its config and checks the config is unchanged."""
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def keras_round_trip(model, path):
    """Saves `model` to `path` (.keras) and loads it back with safe_mode on."""
    model.save(path)
    return keras.saving.load_model(path, safe_mode=True)


def gaussian_blobs(n=512, n_features=6, seed=0):
    """Normal rows on a 2-D linear manifold plus small noise, as float32."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 2))
    mixing = rng.normal(size=(2, n_features))
    return (latent @ mixing + 0.1 * rng.normal(size=(n, n_features))).astype("float32")


def with_anomalies(n_normal=400, n_anomalies=40, n_features=6, seed=0):
    """`(x_train, x_test, y_test)`: anomalies lie off the normal manifold."""
    rng = np.random.default_rng(seed + 1)
    x = gaussian_blobs(2 * n_normal, n_features, seed)
    anomalies = rng.uniform(-4, 4, size=(n_anomalies, n_features)).astype("float32")
    x_test = np.vstack([x[n_normal:], anomalies])
    y_test = np.r_[np.zeros(n_normal), np.ones(n_anomalies)].astype(int)
    return x[:n_normal], x_test, y_test

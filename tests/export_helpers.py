"""Helpers of the export tests: a tiny trained, calibrated VAE and parity rows."""

import keras
import numpy as np
from helpers import gaussian_blobs

import tfvae
from tfvae.preprocessing.feature_scaler import scaler_for

N_FEATURES = 20  # 20 x 64 weights: large enough for dynamic-range quantisation to apply


def train_vae(n_features=N_FEATURES, seed=0):
    """A small VAE with a `FeatureScaler` (as `VAEDetector`'s), one epoch, threshold = 99th
    percentile."""
    keras.utils.set_random_seed(seed)
    x = gaussian_blobs(400, n_features, seed) * 3.0 + 5.0
    vae = tfvae.VAE(
        tfvae.DenseEncoder(4, hidden_units=[64]),
        tfvae.DenseDecoder(n_features, hidden_units=[64]),
        preprocessor=scaler_for(x, "robust", tail_knee=3.0),
        seed=seed,
        feature_names=[f"f{i}" for i in range(n_features)],
    )
    vae.compile(optimizer="adam")
    vae.fit(x, epochs=1, batch_size=64, verbose=0)
    scores = tfvae.score_in_batches(vae, x, keys=("score",))["score"]
    vae.threshold.assign(float(np.percentile(scores, 99)))
    return vae


def parity_rows(n=1000, n_features=N_FEATURES, seed=7):
    """1,000 rows: on-manifold rows plus off-manifold anomalies, float32."""
    normal = gaussian_blobs(n - 100, n_features, seed=0) * 3.0 + 5.0
    odd = np.random.default_rng(seed).uniform(-10, 20, size=(100, n_features)).astype("float32")
    return np.vstack([normal, odd]).astype("float32")

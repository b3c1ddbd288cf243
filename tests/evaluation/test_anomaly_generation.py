import keras
import numpy as np
import pytest
from helpers import gaussian_blobs
from sklearn.metrics import roc_auc_score

from tfvae import VAE, DenseDecoder, DenseEncoder, VAEDetector
from tfvae.evaluation.anomaly_generation import METHODS, generate_anomalies


@pytest.fixture(scope="module")
def detector():
    return VAEDetector(latent_dim=2, hidden_units=(16,), epochs=15, seed=0).fit(gaussian_blobs(400))


def test_feature_noise_rows_score_as_anomalies(detector):
    normal = gaussian_blobs(200, seed=5)
    fake = generate_anomalies(detector, 100, method="feature_noise", x_reference=normal, seed=1)
    assert fake.shape == (100, 6) and fake.dtype == np.float32
    scores = detector.score_samples(np.vstack([normal, fake]))
    assert roc_auc_score(np.r_[np.zeros(200), np.ones(100)], scores) > 0.9


def test_latent_methods_move_with_scale(detector):
    normal = gaussian_blobs(200, seed=5)
    for method in ("latent_shift", "prior_tail"):
        near, far = (
            generate_anomalies(detector, 100, method=method, x_reference=normal, scale=s, seed=1)
            for s in (1.0, 8.0)
        )
        assert np.isfinite(far).all() and far.shape == (100, 6)
        # Codes further out decode further from the data centre (same directions, seed).
        centre = normal.mean(axis=0)
        assert (
            np.linalg.norm(far - centre, axis=1).mean()
            > np.linalg.norm(near - centre, axis=1).mean()
        )
    again = generate_anomalies(detector, 10, method="latent_shift", x_reference=normal, seed=3)
    np.testing.assert_array_equal(
        again, generate_anomalies(detector, 10, method="latent_shift", x_reference=normal, seed=3)
    )


def test_bad_arguments(detector):
    with pytest.raises(ValueError, match="Expected `method`"):
        generate_anomalies(detector, 5, method="gan")
    with pytest.raises(ValueError, match="needs `x_reference`"):
        generate_anomalies(detector, 5, method="latent_shift")
    with pytest.raises(ValueError, match="positive int"):
        generate_anomalies(detector, 0, method="prior_tail")
    assert set(METHODS) == {"latent_shift", "prior_tail", "feature_noise"}


def test_refuses_a_preprocessor_it_cannot_invert():
    vae = VAE(
        DenseEncoder(2, hidden_units=(4,)),
        DenseDecoder(3, hidden_units=(4,)),
        preprocessor=keras.layers.Rescaling(2.0),
    )
    vae.build((None, 3))
    with pytest.raises(ValueError, match="Rescaling"):
        generate_anomalies(vae, 4, method="prior_tail")

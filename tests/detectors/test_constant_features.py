import numpy as np

from tfvae import VAEDetector


def test_constant_training_feature_keeps_scores_finite(tmp_path):
    # A feature constant in training (common in one-hot/binary tables) used to be divided
    # by a ~1e-7 spread, turning any new value of it into an inf score.
    x = np.random.default_rng(0).normal(size=(120, 4)).astype("float32")
    x[:, 2] = 5.0
    detector = VAEDetector(latent_dim=2, hidden_units=(8,), epochs=2, seed=0).fit(x)
    shifted = x[:10].copy()
    shifted[:, 2] = 6.0
    scores = detector.score_samples(shifted)
    assert np.isfinite(scores).all()
    reloaded = VAEDetector.load(detector.save(tmp_path / "m.keras"))
    np.testing.assert_allclose(reloaded.score_samples(shifted), scores, rtol=1e-5)

import numpy as np
from helpers import with_anomalies
from sklearn.metrics import roc_auc_score

from tfvae import PCADetector


def test_pca_baseline_finds_off_manifold_points():
    x_train, x_test, y_test = with_anomalies()
    detector = PCADetector(n_components=2).fit(x_train)
    assert roc_auc_score(y_test, detector.score_samples(x_test)) > 0.95
    errors = detector.feature_scores(x_test)
    np.testing.assert_allclose(errors.mean(axis=1), detector.score_samples(x_test))
    assert detector.predict(x_test)[y_test == 1].mean() > 0.8

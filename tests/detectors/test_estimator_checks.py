"""scikit-learn's estimator checks (`parametrize_with_checks`) on the detectors.

The detectors follow PyOD's sign convention (predict 1 = anomaly, higher score = more
anomalous), the reverse of scikit-learn's outlier detectors (-1 = outlier, higher
decision_function = more normal), so they do not declare themselves scikit-learn outlier
detectors and the outlier-specific checks do not apply; the general estimator checks do.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from tfvae.detectors import PCADetector, VAEDetector


@parametrize_with_checks([PCADetector()])
def test_pca_detector_passes_every_check(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks(
    [VAEDetector(epochs=1, members=1, batch_size=32, early_stopping_patience=0)]
)
def test_vae_detector_passes_the_checks(estimator, check):
    check(estimator)

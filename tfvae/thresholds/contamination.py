"""Threshold from the expected fraction of anomalies in the calibration data."""

import numpy as np

from tfvae.thresholds.base import Threshold


class ContaminationThreshold(Threshold):
    """Flags the top `contamination` fraction of the (possibly contaminated) scores.

    This is the PyOD/scikit-learn `contamination` convention: calibrate on the
    training scores, which are assumed to hold that fraction of anomalies.

    Args:
        contamination: float in (0, 0.5].

    Example:
    ```python
    ContaminationThreshold(0.05).fit(train_scores).threshold_
    ```
    """

    def __init__(self, contamination=0.01):
        if not 0.0 < float(contamination) <= 0.5:
            raise ValueError(
                f"Expected `contamination` in (0, 0.5]. Received: contamination={contamination!r}"
            )
        self.contamination = float(contamination)

    def params(self):
        return {"contamination": self.contamination}

    def _compute(self, scores):
        return np.quantile(scores, 1.0 - self.contamination)

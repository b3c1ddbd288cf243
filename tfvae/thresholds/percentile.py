"""Threshold at a percentile of calibration scores."""

import numpy as np

from tfvae.thresholds.base import Threshold


class PercentileThreshold(Threshold):
    """Flags scores above the `percentile`-th percentile of the calibration scores.

    Args:
        percentile: float in (0, 100). 99 flags about 1% of data like the calibration set.

    Example:
    ```python
    PercentileThreshold(99).fit(validation_scores).threshold_
    ```
    """

    def __init__(self, percentile=99.0):
        if not 0.0 < float(percentile) < 100.0:
            raise ValueError(
                f"Expected `percentile` in (0, 100). Received: percentile={percentile!r}"
            )
        self.percentile = float(percentile)

    def params(self):
        return {"percentile": self.percentile}

    def _compute(self, scores):
        return np.percentile(scores, self.percentile)

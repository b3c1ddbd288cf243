"""Threshold that keeps the false-positive rate on held-out normal data at a target."""

import numpy as np

from tfvae.thresholds.base import Threshold


class FalsePositiveRateThreshold(Threshold):
    """Smallest threshold whose false-positive rate on normal scores is <= `target_fpr`.

    Calibrate on scores of held-out rows known to be normal (no anomalies needed).
    An FPR below `1 / n` cannot be measured on `n` rows and is refused.

    Args:
        target_fpr: float in (0, 1).

    Example:
    ```python
    FalsePositiveRateThreshold(0.01).fit(normal_validation_scores).threshold_
    ```
    """

    def __init__(self, target_fpr=0.01):
        if not 0.0 < float(target_fpr) < 1.0:
            raise ValueError(
                f"Expected `target_fpr` in (0, 1). Received: target_fpr={target_fpr!r}"
            )
        self.target_fpr = float(target_fpr)

    def params(self):
        return {"target_fpr": self.target_fpr}

    def _compute(self, scores):
        n = scores.size
        if self.target_fpr < 1.0 / n:
            raise ValueError(
                f"A false-positive rate of {self.target_fpr} cannot be calibrated on {n} normal "
                f"scores (the smallest measurable rate is 1/{n}). Pass at least "
                f"{int(np.ceil(1.0 / self.target_fpr))} scores or a larger `target_fpr`."
            )
        allowed = int(np.floor(self.target_fpr * n + 1e-9))  # rows that may lie above
        return np.sort(scores)[n - allowed - 1]

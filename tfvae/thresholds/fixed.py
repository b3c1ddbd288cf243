"""A threshold given as a value rather than learned from scores."""

import math
import numbers

from tfvae.thresholds.base import Threshold


class FixedThreshold(Threshold):
    """A threshold set by hand: `fit` ignores the scores and keeps `value`.

    It is what a detector's `threshold_rule_` becomes when its `threshold_` is
    assigned, so `save` and the export metadata say where the threshold came from.

    Args:
        value: float. The threshold (finite).

    Example:
    ```python
    detector.threshold_ = 42.0
    detector.threshold_rule_  # FixedThreshold(value=42.0)
    ```
    """

    def __init__(self, value):
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not ok or not math.isfinite(value):
            raise ValueError(f"Expected `value` to be a finite number. Received: value={value!r}")
        self.value = float(value)

    def fit(self, scores=None):
        """Sets `threshold_` to `value` (no scores needed) and returns `self`."""
        self.threshold_ = self.value
        self.n_calibration_ = 0
        return self

    def params(self):
        return {"value": self.value}

    def _compute(self, scores):
        return self.value

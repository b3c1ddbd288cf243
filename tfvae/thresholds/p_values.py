"""Conformal p-values of scores against calibration scores."""

import numpy as np

from tfvae.thresholds.base import _as_scores


def p_values(scores, calibration_scores):
    """P-value of each score: how often a calibration score is at least as high.

    Uses the conformal estimate `(1 + #{calibration >= s}) / (n + 1)`, which is a
    valid p-value when the calibration rows are normal and exchangeable with the
    scored ones. Small values mean anomalous.

    Args:
        scores: array-like `[m]`. Scores to test.
        calibration_scores: array-like `[n]`. Scores of normal rows.

    Returns:
        float64 array `[m]` in (0, 1].

    Example:
    ```python
    p = p_values(detector.score_samples(x), detector.calibration_scores_)
    ```
    """
    calibration = np.sort(_as_scores(calibration_scores, "calibration_scores"))
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    at_least = calibration.size - np.searchsorted(calibration, scores, side="left")
    return (1.0 + at_least) / (calibration.size + 1.0)

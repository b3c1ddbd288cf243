"""Scores to PyOD's outlier probabilities and prediction confidences (pure functions)."""

import numpy as np

PROBABILITY_METHODS = ("linear", "unify")


def outlier_probability(scores, train_scores, method="linear"):
    """PyOD's `predict_proba`: `[n, 2]` probabilities of (normal, outlier) per row.

    `"linear"` rescales the scores to [0, 1] by the minimum and maximum training score
    (clipped); `"unify"` is `erf((s - mean) / (std * sqrt(2)))` over the training
    scores, clipped to [0, 1] (Kriegel et al., SDM 2011). Neither is a calibrated
    probability: they rank rows as the scores do; `p_values` gives calibrated ones.

    Args:
        scores: array `[n]`. Scores of the rows.
        train_scores: array `[m]`. Scores of the training rows (`decision_scores_`).
        method: str. `"linear"` or `"unify"`.

    Returns:
        float64 array `[n, 2]`; column 1 is the outlier probability, column 0 its complement.

    Example:
    ```python
    outlier_probability([0.0, 5.0, 10.0], [0.0, 10.0])[:, 1]  # [0.0, 0.5, 1.0]
    ```
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    train = np.asarray(train_scores, dtype=np.float64).reshape(-1)
    if method == "linear":
        low, high = train.min(), train.max()
        span = high - low
        outlier = (scores - low) / (span if span > 0 else 1.0)
    elif method == "unify":
        from scipy.special import erf

        sigma = train.std()
        outlier = erf((scores - train.mean()) / ((sigma if sigma > 0 else 1.0) * np.sqrt(2.0)))
    else:
        raise ValueError(f"Expected `method` in {PROBABILITY_METHODS}. Received: method={method!r}")
    outlier = np.clip(outlier, 0.0, 1.0)
    return np.stack([1.0 - outlier, outlier], axis=1)


def prediction_confidence(scores, train_scores, contamination, threshold):
    """PyOD's `predict_confidence` (ExCeeD, Perini et al., ECML PKDD 2020).

    How likely the same 0/1 prediction would be made after a perturbation of the
    training set: the rank of each score among the training scores gives a Bayesian
    outlier probability `p = (1 + #{train <= s}) / (2 + m)`; the confidence of an
    outlier is the chance that a binomial(m, p) exceeds `m - int(m * contamination)`,
    that of a normal row its complement.

    Args:
        scores: array `[n]`. Scores of the rows.
        train_scores: array `[m]`. Scores of the training rows (`decision_scores_`).
        contamination: float. Expected share of anomalies among the training rows.
        threshold: float. Rows scoring above it are predicted anomalies.

    Returns:
        float64 array `[n]` in [0, 1].

    Example:
    ```python
    prediction_confidence(detector.score_samples(x), detector.decision_scores_, 0.1,
                          detector.threshold_)
    ```
    """
    from scipy.stats import binom

    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    train = np.sort(np.asarray(train_scores, dtype=np.float64).reshape(-1))
    m = train.size
    at_most = np.searchsorted(train, scores, side="right")
    posterior = (1.0 + at_most) / (2.0 + m)
    confidence = 1.0 - binom.cdf(m - int(m * contamination), m, posterior)
    return np.where(scores > threshold, confidence, 1.0 - confidence)

"""Shared estimator logic: validation, thresholds, predictions, p-values."""

import abc

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from tfvae.thresholds import p_values, threshold_rule
from tfvae.validation import check_features, check_fit_rows, check_magnitude


class BaseDetector(BaseEstimator, abc.ABC):
    """scikit-learn-style anomaly detector; higher score = more anomalous.

    Subclasses implement `_fit_scores(x)` (train, return calibration scores of rows
    not used for training when possible) and `_raw_scores(x)`. The sign follows
    PyOD: `decision_function` and `score_samples` both return anomaly scores
    (higher = more anomalous) and `predict` gives 1 for anomalies, 0 for normal rows.
    """

    def _threshold_rule(self):
        if self.contamination is not None:
            return threshold_rule("contamination", self.contamination)
        return threshold_rule("percentile", self.threshold_percentile)

    def fit(self, X, y=None):
        """Fits on `X` (normal data, or data with `contamination` anomalies). Returns self."""
        self._threshold_rule()  # validates contamination/percentile before training
        x, names = check_features(X)
        check_fit_rows(len(x))
        check_magnitude(x, names)
        self.n_features_in_ = x.shape[1]
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.calibration_scores_ = np.asarray(self._fit_scores(x), dtype=np.float64)
        self.threshold_rule_ = self._threshold_rule().fit(self.calibration_scores_)
        self.threshold_ = self.threshold_rule_.threshold_
        self._after_threshold()
        return self

    def _holdout_indices(self, n_rows):
        """`(train, holdout)` row indices by `validation_fraction` and `seed`.

        None when either side would have fewer than 10 rows (then everything trains
        and calibration uses the training scores).
        """
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ValueError(
                "Expected `validation_fraction` in [0, 1). "
                f"Received: validation_fraction={self.validation_fraction!r}"
            )
        n_holdout = int(round(n_rows * self.validation_fraction))
        if n_holdout < 10 or n_rows - n_holdout < 10:
            return None
        order = np.random.default_rng(self.seed).permutation(n_rows)
        return order[n_holdout:], order[:n_holdout]

    def _split(self, x):
        """`(train, holdout)` arrays; holdout is None when it would be too small."""
        indices = self._holdout_indices(len(x))
        return (x, None) if indices is None else (x[indices[0]], x[indices[1]])

    def _after_threshold(self):
        """Hook for subclasses that store the threshold elsewhere (the Keras model)."""

    def _check_fitted(self):
        if not hasattr(self, "threshold_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call `fit` first.")

    def _checked(self, X, allow_nonfinite=False):
        self._check_fitted()
        names = getattr(self, "feature_names_in_", None)
        x, _ = check_features(
            X,
            n_features=self.n_features_in_,
            feature_names=None if names is None or isinstance(X, np.ndarray) else list(names),
            allow_nonfinite=allow_nonfinite,
            purpose="scoring",
        )
        return x

    def score_samples(self, X):
        """Anomaly score per row (higher = more anomalous)."""
        return self._raw_scores(self._checked(X))

    def decision_function(self, X):
        """Anomaly score per row, as PyOD's `decision_function` (higher = more anomalous)."""
        return self.score_samples(X)

    def predict(self, X):
        """1 for rows scoring above `threshold_`, else 0."""
        return (self.score_samples(X) > self.threshold_).astype(np.int64)

    def fit_predict(self, X, y=None):
        """Fits on `X` and returns its 0/1 labels."""
        return self.fit(X).predict(X)

    def p_values(self, X):
        """Conformal p-values against the calibration scores (small = anomalous)."""
        self._check_fitted()
        if not hasattr(self, "calibration_scores_"):
            raise NotFittedError(
                "No calibration scores: pass `calibration_scores` to `load`, or call `fit`."
            )
        return p_values(self.score_samples(X), self.calibration_scores_)

    def _feature_frame(self, errors, index=None):
        names = getattr(self, "feature_names_in_", None)
        columns = list(names) if names is not None else [f"x{i}" for i in range(errors.shape[1])]
        return pd.DataFrame(errors, columns=columns, index=index)

    @abc.abstractmethod
    def _fit_scores(self, x):
        """Trains on float32 `x`; returns calibration scores."""

    @abc.abstractmethod
    def _raw_scores(self, x):
        """Scores validated float32 `x`."""

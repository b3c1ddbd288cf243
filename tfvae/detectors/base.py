"""Shared estimator logic: validation, thresholds, predictions, p-values."""

import abc
import copy
import os

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from tfvae.data.frames import read_table
from tfvae.detectors.probabilities import outlier_probability, prediction_confidence
from tfvae.thresholds import FixedThreshold, Threshold, p_values, threshold_rule
from tfvae.validation import check_features, check_fit_rows, check_magnitude


class BaseDetector(BaseEstimator, abc.ABC):
    """scikit-learn-style anomaly detector; higher score = more anomalous.

    Subclasses implement `_fit_scores(x)` (train; return the scores of every row of
    `x` and the indices of the rows held out of training, or None) and
    `_raw_scores(x)`, and may override `_fit_rows(X)` (the checks of what `fit` takes). The sign follows PyOD: `decision_function` and `score_samples`
    both return anomaly scores (higher = more anomalous) and `predict` gives 1 for
    anomalies, 0 for normal rows.

    After `fit`, as in PyOD: `decision_scores_` holds the scores of the rows given to
    `fit`, `threshold_` the decision threshold and `labels_` the 0/1 labels of those
    rows. Calibration:

    - with `contamination` set, `threshold_` is the `1 - contamination` quantile of
      `decision_scores_`, so `labels_` flags that share of the training rows (PyOD's
      rule);
    - otherwise it is the `threshold_percentile` percentile of the scores of the
      held-out rows (`validation_fraction`, rows the model did not train on), which
      estimates the false-positive rate on new normal rows.

    `calibration_scores_` (what `p_values` compares with) are always the held-out
    rows' scores (the training rows' when there is no hold-out). `calibrate(X)`
    recalibrates on new rows, and `threshold_` can be assigned; either changes
    `predict`, `labels_`, `score_details`, what `save` writes and what is exported.
    """

    def _threshold_rule(self):
        if self.contamination is not None:
            return threshold_rule("contamination", self.contamination)
        return threshold_rule("percentile", self.threshold_percentile)

    def fit(self, X, y=None):
        """Fits on `X` (normal data, or data with `contamination` anomalies). Returns self."""
        self._threshold_rule()  # validates contamination/percentile before training
        self._calibrate_fit(*self._fit_scores(self._fit_rows(X)))
        return self

    def _fit_rows(self, X):
        """The checked rows `_fit_scores` trains on; sets `n_features_in_` (and
        `feature_names_in_` when `X` names its columns)."""
        x, names = check_features(_read(X))
        check_fit_rows(len(x))
        check_magnitude(x, names)
        self.n_features_in_ = x.shape[1]
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return x

    def _calibrate_fit(self, scores, holdout):
        """Sets `decision_scores_`, `calibration_scores_` and the threshold after training.

        Args:
            scores: array `[n]`. Scores of every row given to `fit`, in order.
            holdout: int array or None. Indices of the rows held out of training.
        """
        self.decision_scores_ = np.asarray(scores, dtype=np.float64)
        held_out = self.decision_scores_ if holdout is None else self.decision_scores_[holdout]
        self.calibration_scores_ = held_out
        pyod = self.contamination is not None
        self._apply_rule(self._threshold_rule(), self.decision_scores_ if pyod else held_out)

    def _apply_rule(self, rule, scores):
        rule.fit(scores)
        self._write_threshold(rule.threshold_)
        self.threshold_rule_ = rule

    @property
    def threshold_(self):
        """The decision threshold: `predict` flags rows scoring strictly above it.

        Assigning it (a finite float) recalibrates without retraining: `predict`,
        `labels_`, `score_details(...)["is_anomaly"]`, `save` and exports all follow;
        `threshold_rule_` becomes a `FixedThreshold`.
        """
        value = self._read_threshold()
        if value is None:
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call `fit` first.")
        return value

    @threshold_.setter
    def threshold_(self, value):
        self._check_fitted()
        self._apply_rule(FixedThreshold(value), None)

    def _read_threshold(self):
        """The stored threshold, or None before calibration."""
        return self.__dict__.get("_threshold")

    def _write_threshold(self, value):
        self._threshold = float(value)

    def __sklearn_is_fitted__(self):
        return self._read_threshold() is not None

    @property
    def labels_(self):
        """0/1 labels of the rows given to `fit` under the current `threshold_` (PyOD)."""
        return (self.decision_scores_ > self.threshold_).astype(np.int64)

    def calibrate(self, X, rule=None):
        """Recalibrates the threshold and the p-values on the rows `X`, without retraining.

        As alibi-detect's `infer_threshold`: score `X` (new normal rows, or rows holding
        the `contamination` share of anomalies when it is set), keep the scores as
        `calibration_scores_` and fit `rule` on them.

        Args:
            X: rows as `fit` takes them.
            rule: an unfitted `tfvae.thresholds.Threshold` (e.g.
                `FalsePositiveRateThreshold(0.01)`), or None for the detector's own
                rule (`contamination`, else `threshold_percentile`).

        Returns:
            self.

        Example:
        ```python
        detector.calibrate(x_recent_normal, FalsePositiveRateThreshold(0.01))
        detector.save("model.keras")  # the new threshold and calibration scores
        ```
        """
        self._check_fitted()
        if rule is None:
            rule = self._threshold_rule()
        elif not isinstance(rule, Threshold):
            raise TypeError(
                "Expected `rule` to be a tfvae.thresholds.Threshold or None. "
                f"Received: rule={rule!r}"
            )
        scores = np.asarray(self.score_samples(X), dtype=np.float64)
        self._apply_rule(copy.deepcopy(rule), scores)
        self.calibration_scores_ = scores
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
        """`(train, holdout, holdout_indices)`; the last two are None when too small."""
        indices = self._holdout_indices(len(x))
        if indices is None:
            return x, None, None
        return x[indices[0]], x[indices[1]], indices[1]

    def _check_fitted(self):
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call `fit` first.")

    def _checked(self, X, allow_nonfinite=False):
        self._check_fitted()
        names = getattr(self, "feature_names_in_", None)
        x, _ = check_features(
            _read(X),
            n_features=self.n_features_in_,
            feature_names=None if names is None or isinstance(X, np.ndarray) else list(names),
            allow_nonfinite=allow_nonfinite,
            purpose="scoring",
            owner=type(self).__name__,
        )
        return x

    def score_samples(self, X):
        """Anomaly score per row (higher = more anomalous)."""
        return self._raw_scores(self._checked(X))

    def decision_function(self, X):
        """Anomaly score per row, as PyOD's `decision_function` (higher = more anomalous)."""
        return self.score_samples(X)

    def predict(self, X, return_confidence=False):
        """1 for rows scoring above `threshold_`, else 0.

        Args:
            X: rows as `fit` takes them.
            return_confidence: bool. Also return PyOD's confidence of each prediction
                (`predict_confidence`).

        Returns:
            int64 array `[n]`, or `(labels, confidence)`.
        """
        scores = self.score_samples(X)
        labels = (scores > self.threshold_).astype(np.int64)
        if return_confidence:
            return labels, self._confidence(scores)
        return labels

    def predict_proba(self, X, method="linear", return_confidence=False):
        """PyOD's outlier probability: `[n, 2]` (normal, outlier) from the training scores.

        Args:
            X: rows as `fit` takes them.
            method: str. `"linear"` (min-max of `decision_scores_`) or `"unify"`
                (Gaussian scaling); see `tfvae.detectors.probabilities`. For calibrated
                probabilities of being normal, use `p_values`.
            return_confidence: bool. Also return `predict_confidence`.

        Returns:
            float64 array `[n, 2]`, or `(probabilities, confidence)`.
        """
        scores = self.score_samples(X)
        probabilities = outlier_probability(scores, self._train_scores(), method)
        if return_confidence:
            return probabilities, self._confidence(scores)
        return probabilities

    def predict_confidence(self, X):
        """PyOD's confidence (in [0, 1]) that each prediction would survive a resampled
        training set (`tfvae.detectors.probabilities.prediction_confidence`)."""
        return self._confidence(self.score_samples(X))

    def _confidence(self, scores):
        train = self._train_scores()
        # As PyOD: the expected share of anomalies, or the share the threshold flags.
        share = self.contamination if self.contamination is not None else self.labels_.mean()
        return prediction_confidence(scores, train, share, self.threshold_)

    def _train_scores(self):
        if not hasattr(self, "decision_scores_"):
            raise NotFittedError(
                "No training scores (`decision_scores_`): this detector was loaded from a "
                "file saved without them; call `fit` again."
            )
        return self.decision_scores_

    def fit_predict(self, X, y=None):
        """Fits on `X` and returns its 0/1 labels (`labels_`)."""
        return self.fit(X).labels_

    def p_values(self, X):
        """Conformal p-values against the calibration scores (small = anomalous)."""
        self._check_fitted()
        if not hasattr(self, "calibration_scores_"):
            raise NotFittedError(
                "No calibration scores: pass `calibration_scores` to `load`, or call "
                "`calibrate(x_normal)`."
            )
        return p_values(self.score_samples(X), self.calibration_scores_)

    def _feature_frame(self, errors, index=None):
        names = getattr(self, "feature_names_in_", None)
        columns = list(names) if names is not None else [f"x{i}" for i in range(errors.shape[1])]
        return pd.DataFrame(errors, columns=columns, index=index)

    @abc.abstractmethod
    def _fit_scores(self, x):
        """Trains on float32 `x`; returns `(scores of every row of x, holdout indices or None)`."""

    @abc.abstractmethod
    def _raw_scores(self, x):
        """Scores validated float32 `x`."""


def _read(X):
    """`X` as given, or the table read from a `.csv[.gz]`/`.parquet` path."""
    return read_table(X) if isinstance(X, (str, os.PathLike)) else X

"""Detectors whose fitted state is one Keras model: `.keras` save and load, in one place."""

import abc
import os

import numpy as np

from tfvae.atomic import atomic_path
from tfvae.detectors.base import BaseDetector
from tfvae.saving import load_keras


class KerasDetector(BaseDetector):
    """A `BaseDetector` whose fitted state is `model_`, a Keras model holding its threshold.

    Subclasses set `_MODEL_CLASS` and implement `_from_model(model)`, which returns
    an unfitted detector with the arguments the model records.
    """

    _MODEL_CLASS = None

    def save(self, path):
        """Writes the fitted model (threshold included) to a `.keras` file, atomically."""
        self._check_fitted()
        path = os.fspath(path)
        if not path.endswith(".keras"):
            raise ValueError(f"Expected a path ending in `.keras`. Received: path={path!r}")
        with atomic_path(path) as tmp:
            self.model_.save(tmp)
        return path

    @classmethod
    def load(cls, path, calibration_scores=None):
        """Loads a detector saved by `save` (with Keras `safe_mode`).

        Args:
            path: str. A `.keras` file written by `save`.
            calibration_scores: optional array. Restores `p_values`; the `.keras` file
                holds the threshold but not the calibration scores.
        """
        model = load_keras(path)
        expected = cls._MODEL_CLASS
        if not isinstance(model, expected):
            raise ValueError(
                f"{path} does not hold a tfvae {expected.__name__} (found {type(model).__name__})."
            )
        threshold = model.threshold_value()
        if threshold is None:
            raise ValueError(f"{path} holds a model without a threshold: calibrate it with `fit`.")
        detector = cls._from_model(model)
        detector.model_ = model
        detector.threshold_ = threshold
        if model.feature_names is not None:
            detector.feature_names_in_ = np.asarray(model.feature_names, dtype=object)
        if calibration_scores is not None:
            detector.calibration_scores_ = np.asarray(calibration_scores, dtype=np.float64)
        return detector

    @classmethod
    @abc.abstractmethod
    def _from_model(cls, model):
        """An unfitted detector with the arguments `model` records; sets `n_features_in_`."""

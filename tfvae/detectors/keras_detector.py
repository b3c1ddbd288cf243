"""Detectors whose fitted state is one Keras model: `.keras` save and load, in one place."""

import abc
import io
import json
import os
import zipfile

import numpy as np

from tfvae.atomic import atomic_path
from tfvae.detectors.base import BaseDetector
from tfvae.saving import load_keras
from tfvae.thresholds import Threshold

#: Members `save` adds to the `.keras` zip (Keras ignores members it does not know).
STATE_JSON = "tfvae_detector.json"
STATE_SCORES = "tfvae_detector_scores.npz"
SCORE_ARRAYS = ("decision_scores_", "calibration_scores_")


class KerasDetector(BaseDetector):
    """A `BaseDetector` whose fitted state is `model_`, a Keras model holding its threshold.

    The threshold lives in one place, the model's `threshold` variable: `threshold_`
    reads and writes it, so `predict`, the model's own scoring (`score_details`),
    `save` and exports agree. Subclasses set `_MODEL_CLASS` and implement
    `_from_model(model)`, which returns an unfitted detector with the arguments the
    model records.
    """

    _MODEL_CLASS = None

    def _read_threshold(self):
        model = self.__dict__.get("model_")
        return None if model is None else model.threshold_value()

    def _write_threshold(self, value):
        # The model stores float32; `threshold_` reads it back, so `predict` and every
        # exported signature agree on rows at the boundary.
        self.model_.threshold.assign(float(value))

    def save(self, path):
        """Writes the fitted detector to a `.keras` file, atomically.

        The file is the Keras model (threshold included; `keras.saving.load_model`
        reads it) plus two members Keras ignores: the detector's parameters and
        threshold rule (JSON), and `decision_scores_` and `calibration_scores_`
        (`.npz`, read without pickle), so a loaded detector gives `p_values`,
        `labels_` and `predict_proba`.
        """
        self._check_fitted()
        path = os.fspath(path)
        if not path.endswith(".keras"):
            raise ValueError(f"Expected a path ending in `.keras`. Received: path={path!r}")
        with atomic_path(path) as tmp:
            self.model_.save(tmp)
            with zipfile.ZipFile(tmp, "a") as archive:
                archive.writestr(STATE_JSON, json.dumps(self._state(), default=_plain))
                archive.writestr(STATE_SCORES, self._score_arrays())
        return path

    def _state(self):
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.get_params().items()}
        rule = getattr(self, "threshold_rule_", None)
        return {
            "class": type(self).__name__,
            "params": params,
            "threshold_rule": None if rule is None else rule.to_dict(),
        }

    def _score_arrays(self):
        buffer = io.BytesIO()
        arrays = {k: getattr(self, k) for k in SCORE_ARRAYS if hasattr(self, k)}
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def load(cls, path, calibration_scores=None):
        """Loads a detector saved by `save` (with Keras `safe_mode`, no pickle).

        Args:
            path: str. A `.keras` file written by `save` (or a tfvae model saved by
                Keras, e.g. a `tfvae train` run's `model.keras`).
            calibration_scores: optional array. Replaces the calibration scores the
                file holds (a `tfvae train` run keeps them in `calibration_scores.npy`).
        """
        model = load_keras(path)
        expected = cls._MODEL_CLASS
        if not isinstance(model, expected):
            raise ValueError(
                f"{path} does not hold a tfvae {expected.__name__} (found {type(model).__name__})."
            )
        if model.threshold_value() is None:
            raise ValueError(f"{path} holds a model without a threshold: calibrate it with `fit`.")
        try:
            detector = cls._from_model(model)
        except ValueError as error:  # the model does not suit this detector class
            raise ValueError(f"{path} {error}") from None
        detector.model_ = model
        if model.feature_names is not None:
            detector.feature_names_in_ = np.asarray(model.feature_names, dtype=object)
        detector._restore_state(path)
        if calibration_scores is not None:
            detector.calibration_scores_ = np.asarray(calibration_scores, dtype=np.float64)
        return detector

    def _restore_state(self, path):
        """Reads the members `save` added, when present (not in a model saved by Keras)."""
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if STATE_JSON not in names:
                return
            state = json.loads(archive.read(STATE_JSON))
            with np.load(io.BytesIO(archive.read(STATE_SCORES)), allow_pickle=False) as arrays:
                for key in SCORE_ARRAYS:
                    if key in arrays:
                        setattr(self, key, np.asarray(arrays[key], dtype=np.float64))
        known = self.get_params()
        # JSON has no tuples: give back a tuple where the parameter holds one (hidden_units).
        params = {
            k: tuple(v) if isinstance(v, list) and isinstance(known[k], tuple) else v
            for k, v in state["params"].items()
            if k in known
        }
        self.set_params(**params)
        if state.get("threshold_rule"):
            self.threshold_rule_ = Threshold.from_dict(state["threshold_rule"])

    @classmethod
    @abc.abstractmethod
    def _from_model(cls, model):
        """An unfitted detector with the arguments `model` records; sets `n_features_in_`.

        Raises `ValueError("holds ...")` (completed with the path) for a model the
        detector cannot use."""


def _plain(value):
    """JSON for numpy scalars among the parameters (`seed=np.int64(3)`)."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"Cannot save the parameter value {value!r} ({type(value).__name__}).")

"""Base class of thresholds: `fit(scores)` sets `threshold_`; dict round trip."""

import abc

import numpy as np

_REGISTRY = {}


def _as_scores(scores, name="scores"):
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if scores.size == 0:
        raise ValueError(f"Expected at least one value in `{name}`. Received an empty array.")
    if not np.all(np.isfinite(scores)):
        bad = int(np.sum(~np.isfinite(scores)))
        raise ValueError(
            f"`{name}` holds {bad} NaN/inf values; scores must be finite to calibrate."
        )
    return scores


class Threshold(abc.ABC):
    """A rule that turns calibration scores into a decision threshold.

    Subclasses implement `_compute(scores)`; higher scores are more anomalous and a
    row is flagged when its score is strictly above `threshold_`.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    def fit(self, scores):
        """Calibrates on `scores` (1-D) and returns `self`."""
        self.threshold_ = float(self._compute(_as_scores(scores)))
        self.n_calibration_ = int(np.asarray(scores).size)
        return self

    @abc.abstractmethod
    def params(self):
        """Constructor arguments, for `to_dict`."""

    @abc.abstractmethod
    def _compute(self, scores):
        """The threshold value for finite 1-D float64 `scores`."""

    def to_dict(self):
        """JSON-ready description: class, parameters and (once fitted) the value."""
        out = {"method": type(self).__name__, **self.params()}
        if hasattr(self, "threshold_"):
            out["threshold"] = self.threshold_
            out["n_calibration"] = self.n_calibration_
        return out

    @staticmethod
    def from_dict(data):
        """Rebuilds a threshold written by `to_dict` (fitted if it held a value)."""
        data = dict(data)
        method = data.pop("method", None)
        if method not in _REGISTRY:
            raise ValueError(
                f"Unknown threshold method {method!r}; expected one of {sorted(_REGISTRY)}."
            )
        value = data.pop("threshold", None)
        n_calibration = data.pop("n_calibration", None)
        threshold = _REGISTRY[method](**data)
        if value is not None:
            threshold.threshold_ = float(value)
            threshold.n_calibration_ = n_calibration
        return threshold

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

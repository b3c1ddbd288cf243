"""scikit-learn-style detector over the Keras VAE."""

import numpy as np

from tfvae.detectors.base_vae_detector import BaseVAEDetector, extends_parameters
from tfvae.preprocessing.feature_scaler import scaler_for
from tfvae.scoring.scores import score_in_batches


@extends_parameters(BaseVAEDetector)
class VAEDetector(BaseVAEDetector):
    """Fits an ensemble of dense VAEs on tabular data and flags rows it explains badly.

    Inputs are scaled inside the model (a `FeatureScaler`), so the saved model takes
    raw numbers. A held-out `validation_fraction` of the rows drives early stopping
    and, without `contamination`, calibrates the threshold on rows the model did not
    train on (see `BaseDetector` for both rules and PyOD's attributes). The defaults
    were chosen on the ADBench tables (benchmarks/README.md).

    Args:
        standardize: bool or `"robust"`. Standardise features inside the model (mean
            and standard deviation of the training rows, or median and IQR / 1.349
            with `"robust"`, which outliers among the training rows barely move).
        tail_knee: float or None. With `standardize`, standardised values beyond
            +-`tail_knee` grow logarithmically (`FeatureScaler`): heavy-tailed
            columns neither dominate training nor overflow. None keeps them linear.
        Every other argument: as `BaseVAEDetector` (keyword only).

    Example:
    ```python
    detector = VAEDetector().fit(x_normal)
    detector.predict(x_new)  # 1 = anomaly
    ```
    """

    def __init__(self, *, standardize="robust", tail_knee=3.0, **params):
        super().__init__(**params)
        self.standardize = standardize
        self.tail_knee = tail_knee

    def _model_for(self, rows, train):
        names = None if not hasattr(self, "feature_names_in_") else list(self.feature_names_in_)
        return self._build_model(train, names)

    def _build_model(self, x_train, feature_names):
        preprocessor = scaler_for(x_train, self.standardize, self.tail_knee)
        return self._make_vae(x_train.shape[1], preprocessor, feature_names, len(x_train))

    def score_samples(self, X):
        """Anomaly score per row (higher = more anomalous)."""
        # The scoring graph finds NaN/inf rows (its `valid` output) in the pass it makes
        # anyway; only then does the strict check run, to name the first one.
        x = self._checked(X, allow_nonfinite=True)
        out = score_in_batches(self.model_, x, keys=self._scoring_keys())
        if not out["valid"].all():
            self._checked(X)
        return out["score"].astype(np.float64)

    def feature_scores(self, X):
        """Per-feature squared reconstruction error as a DataFrame (columns = features)."""
        x = self._checked(X)
        errors = score_in_batches(self.model_, x, keys=("feature_errors",))["feature_errors"]
        return self._feature_frame(errors, index=getattr(X, "index", None))

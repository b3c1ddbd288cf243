"""PCA reconstruction-error baseline with the same detector interface."""

from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tfvae.detectors.base import BaseDetector


class PCADetector(BaseDetector):
    """Scores rows by their squared error after projection onto the top principal axes.

    Features are standardised first (as in `VAEDetector`); the score is the mean
    squared reconstruction error in that space, comparable to the VAE's
    `reconstruction_error`.

    Args:
        n_components: int or float. Passed to `sklearn.decomposition.PCA` (a float in
            (0, 1) keeps that share of variance).
        validation_fraction: float. Held-out share that calibrates the threshold
            (without `contamination`) and the p-values.
        contamination: float or None. See `VAEDetector`.
        threshold_percentile: float. See `VAEDetector`.
        seed: int. Seeds the split.

    Example:
    ```python
    PCADetector(n_components=0.9).fit(x_normal).predict(x_new)
    ```
    """

    def __init__(
        self,
        n_components=0.9,
        validation_fraction=0.1,
        contamination=None,
        threshold_percentile=99.0,
        seed=0,
    ):
        self.n_components = n_components
        self.validation_fraction = validation_fraction
        self.contamination = contamination
        self.threshold_percentile = threshold_percentile
        self.seed = seed

    def _fit_scores(self, x):
        train, _, holdout = self._split(x)
        n_components = self.n_components
        if isinstance(n_components, int):
            n_components = min(n_components, train.shape[1], train.shape[0])
        self.pipeline_ = make_pipeline(StandardScaler(), PCA(n_components, random_state=self.seed))
        self.pipeline_.fit(train)
        return self._raw_scores(x), holdout

    def _feature_errors(self, x):
        scaled = self.pipeline_[0].transform(x)
        projected = self.pipeline_[1].inverse_transform(self.pipeline_[1].transform(scaled))
        return (scaled - projected) ** 2

    def _raw_scores(self, x):
        return self._feature_errors(x).mean(axis=1)

    def feature_scores(self, X):
        """Per-feature squared reconstruction error as a DataFrame."""
        return self._feature_frame(
            self._feature_errors(self._checked(X)), getattr(X, "index", None)
        )

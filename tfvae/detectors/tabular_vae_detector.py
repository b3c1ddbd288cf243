"""The VAE detector for raw tables: string columns, missing values, column names."""

import warnings

import keras
import numpy as np

from tfvae.data.frames import grouped_feature_frame, read_table, to_columns, unknown_categories
from tfvae.data.tabular_preprocessor import TabularPreprocessor
from tfvae.detectors.base import BaseDetector
from tfvae.detectors.vae_detector import VAEDetector
from tfvae.scores import score_in_batches
from tfvae.validation import check_fit_rows, check_no_inf, check_unique_columns


class TabularVAEDetector(VAEDetector):
    """`VAEDetector` over raw DataFrames (or CSV/Parquet paths) with mixed column types.

    The model embeds a `TabularPreprocessor` adapted on the training rows
    (standardisation, log of heavy-tailed counts, one-hot categories with an
    out-of-vocabulary slot, missing indicators), so the saved model scores raw rows
    by column name. Per-feature scores come back per original column, one-hot groups
    summed. Unknown categories at scoring time go to the OOV slot and are counted
    (a `UserWarning` gives the counts per column).

    Args:
        categorical: list of str or None. Columns forced to categorical.
        numeric: list of str or None. Columns forced to numeric.
        log_transform: `"auto"`, True, False or list of str. See
            `TabularPreprocessor.from_dataframe`.
        max_tokens: int or None. Maximum categories kept per column.
        min_frequency: int. Rarer categories are treated as unknown.
        scaling: str. `"standard"` or `"minmax"` numeric scaling.
        Other arguments: as `VAEDetector` (`standardize` is implied and must be True).

    Example:
    ```python
    detector = TabularVAEDetector(epochs=20).fit(train_df)
    detector.score_samples(test_df)
    detector.feature_scores(test_df)   # one column per original column
    ```
    """

    def __init__(
        self,
        latent_dim="auto",
        hidden_units="auto",
        beta=1.0,
        variational=True,
        likelihood="gaussian",
        observation_noise="learned",
        score_name="elbo_neighbours",
        standardize=True,
        members=3,
        trim_fraction=0.0,
        filter_fraction="auto",
        n_neighbors=5,
        neighbour_weight=0.5,
        epochs="auto",
        batch_size=128,
        learning_rate=3e-3,
        validation_fraction=0.1,
        early_stopping_patience=0,
        contamination=None,
        threshold_percentile=99.0,
        seed=0,
        verbose=0,
        categorical=None,
        numeric=None,
        log_transform="auto",
        max_tokens=None,
        min_frequency=1,
        scaling="standard",
    ):
        super().__init__(
            latent_dim=latent_dim,
            hidden_units=hidden_units,
            beta=beta,
            variational=variational,
            likelihood=likelihood,
            observation_noise=observation_noise,
            score_name=score_name,
            standardize=standardize,
            members=members,
            trim_fraction=trim_fraction,
            filter_fraction=filter_fraction,
            n_neighbors=n_neighbors,
            neighbour_weight=neighbour_weight,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            validation_fraction=validation_fraction,
            early_stopping_patience=early_stopping_patience,
            contamination=contamination,
            threshold_percentile=threshold_percentile,
            seed=seed,
            verbose=verbose,
        )
        self.categorical = categorical
        self.numeric = numeric
        self.log_transform = log_transform
        self.max_tokens = max_tokens
        self.min_frequency = min_frequency
        self.scaling = scaling

    def fit(self, X, y=None):
        """Fits on a raw table (normal rows). Returns self."""
        self._threshold_rule()
        if not self.standardize:
            raise ValueError("TabularVAEDetector always standardises; got standardize=False.")
        if self.likelihood != "gaussian":
            raise ValueError(
                f"Raw tables need likelihood='gaussian'. Received: likelihood={self.likelihood!r}"
            )
        frame = read_table(X)
        check_unique_columns(frame)
        frame = frame.rename(columns=str)
        check_unique_columns(frame)  # 1 and "1" become one name
        check_fit_rows(len(frame))
        check_no_inf(frame)  # before training, not found by the calibration afterwards
        train, holdout, holdout_rows = self._split_frame(frame)
        # Statistics and vocabularies come from every row given to `fit` (the hold-out
        # only serves early stopping and calibration), so no calibration row is out of range.
        preprocessor = TabularPreprocessor.from_dataframe(
            frame,
            categorical=self.categorical,
            numeric=self.numeric,
            log_transform=self.log_transform,
            max_tokens=self.max_tokens,
            min_frequency=self.min_frequency,
            scaling=self.scaling,
        )
        self.feature_names_in_ = np.asarray(preprocessor.column_names, dtype=object)
        self.n_features_in_ = len(preprocessor.column_names)
        keras.utils.set_random_seed(self.seed)
        self.model_ = self._make_vae(
            preprocessor.output_dim, preprocessor, preprocessor.column_names, len(train)
        )
        holdout_cols = None if holdout is None else to_columns(holdout, preprocessor)
        self._fit_model(to_columns(train, preprocessor), holdout_cols)
        self._calibrate_fit(self._raw_scores(to_columns(frame, preprocessor)), holdout_rows)
        return self

    def _split_frame(self, frame):
        """`(train, holdout, holdout positions)`, rows in file order; None when too small."""
        indices = self._holdout_indices(len(frame))
        if indices is None:
            return frame, None, None
        train, holdout = np.sort(indices[0]), np.sort(indices[1])
        return frame.iloc[train], frame.iloc[holdout], holdout

    # Raw columns are checked by `_checked` (its NaN/inf rules are the raw columns', not
    # the encoded features' that the scoring graph's `valid` sees).
    score_samples = BaseDetector.score_samples

    @property
    def preprocessor_(self):
        self._check_fitted()
        return self.model_.preprocessor

    def _checked(self, X, allow_nonfinite=False):
        self._check_fitted()
        check_unique_columns(X)
        columns = to_columns(X, self.model_.preprocessor)
        if not allow_nonfinite:
            _check_finite(columns, self.model_.preprocessor)
        counts = unknown_categories(columns, self.model_.preprocessor)
        if counts:
            warnings.warn(
                f"Unknown categories mapped to the out-of-vocabulary slot (count per column): {counts}",
                UserWarning,
                stacklevel=3,
            )
        return columns

    def unknown_categories(self, X):
        """Counts of out-of-vocabulary values per categorical column of `X`."""
        self._check_fitted()
        return unknown_categories(to_columns(X, self.model_.preprocessor), self.model_.preprocessor)

    def feature_scores(self, X):
        """Per-original-column squared error (one-hot groups summed) as a DataFrame."""
        columns = self._checked(X)
        errors = score_in_batches(self.model_, columns, keys=("feature_errors",))["feature_errors"]
        index = X.index if hasattr(X, "index") else None
        return grouped_feature_frame(errors, self.model_.preprocessor, index=index)

    @classmethod
    def load(cls, path, calibration_scores=None):
        """Loads a detector saved by `save` (Keras `safe_mode`); needs a tabular model."""
        detector = super().load(path, calibration_scores=calibration_scores)
        preprocessor = detector.model_.preprocessor
        if not isinstance(preprocessor, TabularPreprocessor):
            raise ValueError(
                f"{path} holds a model without a TabularPreprocessor; use VAEDetector.load."
            )
        detector.n_features_in_ = len(preprocessor.column_names)
        detector.feature_names_in_ = np.asarray(preprocessor.column_names, dtype=object)
        return detector


def _check_finite(columns, preprocessor):
    """Refuses values the model cannot encode (as `check_features` does for numpy input)."""
    for spec in preprocessor.columns:
        if spec["kind"] != "numeric":
            continue
        values = columns[spec["name"]]
        bad = np.isinf(values) if spec["missing_indicator"] else ~np.isfinite(values)
        if bad.any():
            what = "inf" if spec["missing_indicator"] else "missing/inf"
            raise ValueError(
                f"Column {spec['name']!r} holds {int(bad.sum())} {what} values (first at row "
                f"{int(np.flatnonzero(bad)[0])}) but had no missing values in training. Impute them, "
                "or use `score_details`, which scores such rows as invalid anomalies."
            )

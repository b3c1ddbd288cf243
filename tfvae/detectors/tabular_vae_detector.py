"""The VAE detector for raw tables: string columns, missing values, column names."""

import warnings

import numpy as np

from tfvae.data.frames import read_table
from tfvae.detectors.base_vae_detector import BaseVAEDetector, extends_parameters
from tfvae.preprocessing.columns import grouped_feature_frame, to_columns, unknown_categories
from tfvae.preprocessing.tabular_preprocessor import TabularPreprocessor
from tfvae.scoring.scores import score_in_batches
from tfvae.validation import check_fit_rows, check_no_inf, check_unique_columns


@extends_parameters(BaseVAEDetector)
class TabularVAEDetector(BaseVAEDetector):
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
        Every other argument: as `BaseVAEDetector` (keyword only).

    Example:
    ```python
    detector = TabularVAEDetector(epochs=20).fit(train_df)
    detector.score_samples(test_df)
    detector.feature_scores(test_df)   # one column per original column
    ```
    """

    def __init__(
        self,
        *,
        categorical=None,
        numeric=None,
        log_transform="auto",
        max_tokens=None,
        min_frequency=1,
        scaling="standard",
        **params,
    ):
        super().__init__(**params)
        self.categorical = categorical
        self.numeric = numeric
        self.log_transform = log_transform
        self.max_tokens = max_tokens
        self.min_frequency = min_frequency
        self.scaling = scaling

    def _fit_rows(self, X):
        """The raw table, checked, with string column names."""
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
        return frame

    def _split(self, frame):
        """`(train, holdout, holdout positions)`, rows in file order; None when too small."""
        indices = self._holdout_indices(len(frame))
        if indices is None:
            return frame, None, None
        train, holdout = np.sort(indices[0]), np.sort(indices[1])
        return frame.iloc[train], frame.iloc[holdout], holdout

    def _model_for(self, frame, train):
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
        return self._make_vae(
            preprocessor.output_dim, preprocessor, preprocessor.column_names, len(train)
        )

    def _model_inputs(self, frame):
        return to_columns(frame, self.model_.preprocessor)

    @property
    def preprocessor_(self):
        self._check_fitted()
        return self.model_.preprocessor

    def _checked(self, X, allow_nonfinite=False):
        self._check_fitted()
        check_unique_columns(X)
        columns = to_columns(read_table(X), self.model_.preprocessor)
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
        columns = to_columns(read_table(X), self.model_.preprocessor)
        return unknown_categories(columns, self.model_.preprocessor)

    def feature_scores(self, X):
        """Per-original-column squared error (one-hot groups summed) as a DataFrame."""
        columns = self._checked(X)
        errors = score_in_batches(self.model_, columns, keys=("feature_errors",))["feature_errors"]
        index = X.index if hasattr(X, "index") else None
        return grouped_feature_frame(errors, self.model_.preprocessor, index=index)

    @classmethod
    def _from_model(cls, model):
        preprocessor = model.preprocessor
        if not isinstance(preprocessor, TabularPreprocessor):
            raise ValueError("holds a model without a TabularPreprocessor; use VAEDetector.load.")
        detector = super()._from_model(model)
        detector.n_features_in_ = len(preprocessor.column_names)
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

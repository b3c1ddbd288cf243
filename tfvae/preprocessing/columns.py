"""The raw columns of a table as the tabular preprocessing takes them, and its per-column
results: DataFrame -> named arrays, unknown-category counts, per-column errors."""

import numpy as np
import pandas as pd

from tfvae.column_kinds import CATEGORICAL, MISSING_TOKEN, NUMERIC
from tfvae.validation import check_table


def to_columns(frame, preprocessor, name="X"):
    """Checks a DataFrame against the preprocessor's columns; returns name -> numpy array.

    Numeric columns become float32 (missing -> NaN); categorical ones become str
    arrays (missing -> ""). Column order does not matter; names and kinds do.

    Raises:
        ValueError: a missing or extra column, or a column whose dtype changed
            (strings where numbers were adapted, or numbers where strings were).
    """
    frame = check_table(frame, name, "a DataFrame (read files with `tfvae.data.read_table`)")
    expected = preprocessor.column_names
    received = [str(c) for c in frame.columns]
    missing = [c for c in expected if c not in received]
    extra = [c for c in received if c not in expected]
    if missing:
        raise ValueError(f"`{name}` is missing column(s) {missing} that the model was adapted on.")
    if extra:
        raise ValueError(
            f"`{name}` has unexpected column(s) {extra}; the model takes only {expected}."
        )
    frame = frame.rename(columns=str)
    columns = {}
    for spec in preprocessor.columns:
        series = frame[spec["name"]]
        numeric_dtype = pd.api.types.is_numeric_dtype(
            series.dtype
        ) and not pd.api.types.is_complex_dtype(series.dtype)
        if spec["kind"] == NUMERIC:
            if not numeric_dtype and not series.isna().all():
                raise ValueError(
                    f"Column {spec['name']!r} was numeric in training but has dtype {series.dtype} "
                    f"(e.g. {series.dropna().iloc[0]!r}); the column's dtype changed."
                )
            columns[spec["name"]] = series.to_numpy(dtype=np.float32, na_value=np.nan)
        else:
            if numeric_dtype and not pd.api.types.is_bool_dtype(series.dtype):
                raise ValueError(
                    f"Column {spec['name']!r} was categorical (strings) in training but has dtype "
                    f"{series.dtype}; the column's dtype changed. Pass it as strings (astype(str))."
                )
            columns[spec["name"]] = _strings(series)
    return columns


def _strings(series):
    values = series.astype(object).where(series.notna(), MISSING_TOKEN)
    return values.astype(str).to_numpy(dtype=object).astype(str)


def unknown_categories(columns, preprocessor):
    """Counts values outside each categorical column's vocabulary (they go to the OOV slot).

    Args:
        columns: dict name -> numpy array, as returned by `to_columns`.
        preprocessor: the `TabularPreprocessor`.

    Returns:
        dict column name -> count of out-of-vocabulary values (only columns with some).
    """
    counts = {}
    for spec in preprocessor.columns:
        if spec["kind"] != CATEGORICAL:
            continue
        unknown = int(
            (~np.isin(columns[spec["name"]], np.asarray(spec["vocabulary"], dtype=str))).sum()
        )
        if unknown:
            counts[spec["name"]] = unknown
    return counts


def grouped_feature_frame(errors, preprocessor, index=None):
    """Per-encoded-feature errors -> one column per original column (one-hot groups summed)."""
    errors = np.asarray(errors)
    data = {name: errors[:, indices].sum(axis=1) for name, indices in preprocessor.feature_groups()}
    return pd.DataFrame(data, index=index)

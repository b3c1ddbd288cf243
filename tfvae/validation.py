"""Input checks that run before any expensive work, with errors that name the problem."""

import os

import numpy as np
import pandas as pd


def check_features(x, n_features=None, feature_names=None, name="X", allow_nonfinite=False):
    """Validates a feature table and returns it as float32 plus its column names.

    Args:
        x: numpy array `[n_rows, n_features]`, pandas `DataFrame`, or the path of a
            `.csv[.gz]`/`.parquet` file (read into a DataFrame).
        n_features: int or None. Expected width (from `fit`), checked when given.
        feature_names: list of str or None. Expected column names (from a DataFrame
            seen in `fit`), checked when `x` is a DataFrame.
        name: str. The argument name used in messages.
        allow_nonfinite: bool. Let NaN/inf through (to score them as invalid).

    Returns:
        `(array, names)`: float32 array and the column names (None for numpy input).

    Raises:
        ValueError: empty input, 1-D input, non-numeric columns, NaN/inf values,
            wrong width or column names.
    """
    names = None
    if isinstance(x, (str, os.PathLike)):
        from tfvae.data.frames import read_table

        x = read_table(x, name)
    if isinstance(x, pd.DataFrame):
        names = [str(c) for c in x.columns]
        bad = [str(c) for c, dtype in x.dtypes.items() if not _is_numeric(dtype)]
        if bad:
            raise ValueError(
                f"`{name}` has non-numeric columns {bad}; encode them first (or use the tabular "
                "preprocessing, which takes string columns)."
            )
        if feature_names is not None and names != list(feature_names):
            missing = [c for c in feature_names if c not in names]
            extra = [c for c in names if c not in feature_names]
            raise ValueError(
                f"`{name}` columns differ from those seen in fit: missing {missing}, "
                f"unexpected {extra}" + ("" if missing or extra else ", or in another order")
            )
        array = x.to_numpy()
    else:
        array = np.asarray(x)
        if not _is_numeric(array.dtype):
            raise ValueError(f"`{name}` must be numeric. Received dtype {array.dtype}.")
    if array.ndim != 2:
        hint = " Reshape 1-D data with x.reshape(-1, 1) (one feature) or x.reshape(1, -1) (one row)."
        raise ValueError(
            f"Expected `{name}` to be 2-D [n_rows, n_features]. Received shape {array.shape}."
            + (hint if array.ndim == 1 else "")
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"`{name}` is empty: shape {array.shape}. Pass at least one row and column.")
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"`{name}` has {array.shape[1]} features, but the model was fitted with {n_features}."
        )
    array = array.astype(np.float32)
    if not allow_nonfinite:
        finite = np.isfinite(array)
        if not finite.all():
            rows, cols = np.nonzero(~finite)
            where = names[cols[0]] if names else f"column {cols[0]}"
            raise ValueError(
                f"`{name}` holds {rows.size} NaN/inf values (first at row {rows[0]}, {where}). "
                "Impute or drop them before fitting."
            )
    return array, names


def _is_numeric(dtype):
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)

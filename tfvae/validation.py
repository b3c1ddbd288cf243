"""Input checks that run before any expensive work, with errors that name the problem."""

import numpy as np
import pandas as pd

from tfvae.quoting import quote

#: `fit` refuses fewer rows: the threshold is a percentile of held-out scores.
MIN_FIT_ROWS = 10
#: Larger magnitudes overflow float32 once squared (variance, squared error).
MAX_ABS_VALUE = 1e18


def check_table(table, name="X", expected="a DataFrame"):
    """`table` itself when it is a non-empty DataFrame; `expected` says what else the
    caller takes, in the message."""
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"Expected `{name}` to be {expected}. Received {type(table).__name__}.")
    if len(table) == 0:
        raise ValueError(f"`{name}` is empty: it has no rows.")
    return table


def check_fit_rows(n_rows, name="X"):
    """Refuses to fit on fewer than `MIN_FIT_ROWS` rows (one row trains, then flags everything)."""
    if n_rows < MIN_FIT_ROWS:
        raise ValueError(
            f"`{name}` has n_samples={n_rows}; fitting needs at least {MIN_FIT_ROWS} normal rows "
            "to learn a model and calibrate a threshold on its scores."
        )


def check_unique_columns(frame, name="X"):
    """Refuses a DataFrame with a repeated column name (a column would be ambiguous)."""
    if isinstance(frame, pd.DataFrame) and frame.columns.has_duplicates:
        repeated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise ValueError(f"`{name}` has duplicated columns {quote(repeated)}; keep one of each.")


def check_magnitude(array, names=None, name="X"):
    """Refuses finite values beyond `MAX_ABS_VALUE`, naming their column and row."""
    with np.errstate(invalid="ignore"):
        big = np.abs(array) > MAX_ABS_VALUE
    if big.any():
        rows, cols = np.nonzero(big)
        where = quote(names[cols[0]]) if names else str(cols[0])
        raise ValueError(
            f"`{name}` column {where} holds {array[rows[0], cols[0]]:g} at row {rows[0]}: values "
            f"beyond +-{MAX_ABS_VALUE:g} overflow float32 statistics. Rescale (e.g. log) the "
            "column."
        )


def check_no_inf(frame, name="X"):
    """Refuses +-inf in the numeric columns of a raw table, naming the column and row."""
    for column in frame.columns:
        if _is_numeric(frame[column].dtype):
            values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
            bad = np.flatnonzero(np.isinf(values))
            if bad.size:
                raise ValueError(
                    f"`{name}` column {quote(str(column))} holds {bad.size} inf value(s) (first at row "
                    f"{bad[0]}); replace them (e.g. with NaN or a cap) before fitting."
                )


def check_features(
    x,
    n_features=None,
    feature_names=None,
    name="X",
    allow_nonfinite=False,
    purpose="fitting",
    owner="the model",
):
    """Validates a feature table and returns it as float32 plus its column names.

    Args:
        x: numpy array `[n_rows, n_features]` or pandas `DataFrame` (files are read
            first, `tfvae.data.read_table`).
        n_features: int or None. Expected width (from `fit`), checked when given.
        feature_names: list of str or None. Expected column names (from a DataFrame
            seen in `fit`), checked when `x` is a DataFrame.
        name: str. The argument name used in messages.
        allow_nonfinite: bool. Let NaN/inf through (to score them as invalid).
        purpose: str. What the rows are for (`"fitting"`, `"scoring"`), in messages.
        owner: str. Who expects `n_features` (a detector's class name), for messages.

    Returns:
        `(array, names)`: float32 array and the column names (None for numpy input).

    Raises:
        ValueError: empty input, 1-D input, non-numeric columns, NaN/inf values,
            wrong width or column names.
        TypeError: sparse matrices; objects that are not numbers.
    """
    array, names = _as_array(x, name, feature_names)
    _check_shape(array, name, n_features, owner)
    # No copy of float32 input: scoring a large array must not hold it twice.
    array = array.astype(np.float32, copy=False)
    if not allow_nonfinite:
        _check_finite(array, names, name, purpose)
    return array, names


def _as_array(x, name, feature_names):
    """`(array, names)`: the values of `x` (float64 for a DataFrame) and its column names
    (None for numpy input), refusing sparse input and, for a DataFrame, bad columns
    (`_frame_names`)."""
    if type(x).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"Expected `{name}` to be a dense array or DataFrame: sparse input is not "
            f"supported. Received: a scipy sparse matrix ({type(x).__name__}, shape "
            f"{getattr(x, 'shape', '?')}); convert it first with `{name}.toarray()` if it fits "
            "in memory."
        )
    if not isinstance(x, pd.DataFrame):
        return _numeric_array(x, name), None
    names = _frame_names(x, name, feature_names)
    # Nullable dtypes (Float64, Int64) hold pd.NA: read it as NaN, which `_check_finite`
    # reports (or lets through to be scored as invalid).
    return x.to_numpy(dtype="float64", na_value=np.nan), names


def _frame_names(frame, name, feature_names):
    """The column names of `frame`, refusing repeated or non-numeric columns and, when
    `feature_names` (seen in `fit`) are given, other names or another order."""
    check_unique_columns(frame, name)
    names = [str(c) for c in frame.columns]
    bad = [str(c) for c, dtype in frame.dtypes.items() if not _is_numeric(dtype)]
    if bad:
        raise ValueError(
            f"`{name}` has non-numeric columns {quote(bad)}; encode them first (or use the "
            "tabular preprocessing, which takes string columns)."
        )
    if feature_names is not None and names != list(feature_names):
        missing = [c for c in feature_names if c not in names]
        extra = [c for c in names if c not in feature_names]
        raise ValueError(
            f"`{name}` columns differ from those seen in fit: missing {quote(missing)}, "
            f"unexpected {quote(extra)}" + ("" if missing or extra else ", or in another order")
        )
    return names


def _check_shape(array, name, n_features, owner):
    """Refuses an array that is not 2-D, has no row or no column, or whose width is not
    `n_features` (when given: the width seen in `fit`)."""
    if array.ndim != 2:
        hint = (
            " Reshape your data with x.reshape(-1, 1) (one feature) or x.reshape(1, -1) (one row)."
        )
        raise ValueError(
            f"Expected `{name}` to be 2-D [n_rows, n_features]. Received shape {array.shape}."
            + (hint if array.ndim == 1 else "")
        )
    for axis, what in ((0, "sample"), (1, "feature")):
        if array.shape[axis] == 0:
            raise ValueError(
                f"`{name}` is empty: 0 {what}(s) (shape={array.shape}) while a minimum of 1 "
                f"is required. Pass at least one {'row' if axis == 0 else 'column'}."
            )
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"{name} has {array.shape[1]} features, but {owner} is expecting {n_features} "
            "features as input (as in `fit`)."
        )


def _check_finite(array, names, name, purpose, block_rows=65536):
    """Refuses NaN/inf, looking at blocks of rows (no boolean copy of the whole array)."""
    count, first = 0, None
    for start in range(0, len(array), block_rows):
        bad = ~np.isfinite(array[start : start + block_rows])
        if bad.any():
            count += int(bad.sum())
            if first is None:
                rows, cols = np.nonzero(bad)
                first = (start + rows[0], cols[0])
    if count:
        where = f"column {quote(names[first[1]])}" if names else f"column {first[1]}"
        hint = (
            " (or use `score_details`, which scores such rows as invalid anomalies)"
            if purpose == "scoring"
            else ""
        )
        raise ValueError(
            f"`{name}` holds {count} NaN/inf values (first at row {first[0]}, {where}). "
            f"Impute or drop them before {purpose}{hint}."
        )


def _numeric_array(x, name):
    """`x` as a numeric numpy array; object arrays of numbers are converted."""
    array = np.asarray(x)
    if pd.api.types.is_complex_dtype(array.dtype):
        raise ValueError(
            f"Complex data not supported: `{name}` must hold real numbers. "
            f"Received dtype {array.dtype}."
        )
    if array.dtype == object:
        try:
            return array.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise type(error)(f"`{name}` must be numeric: {error}") from None
    if not _is_numeric(array.dtype):
        raise ValueError(f"`{name}` must be numeric. Received dtype {array.dtype}.")
    return array


def _is_numeric(dtype):
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)

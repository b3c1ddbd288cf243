"""pandas in and out: tables (or CSV/Parquet paths) -> raw column dicts, errors -> frames."""

import contextlib
import csv
import gzip
import os
import zlib

import numpy as np
import pandas as pd

from tfvae.column_kinds import CATEGORICAL, MISSING_TOKEN, NUMERIC
from tfvae.quoting import clean


def read_table(table, name="X"):
    """Returns `table` as a DataFrame: a DataFrame as is, or a `.csv[.gz]`/`.parquet` path.

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: empty table, unknown file type, corrupt gzip (naming the file).
    """
    if isinstance(table, (str, os.PathLike)):
        path = os.fspath(table)
        if not os.path.exists(path):
            raise FileNotFoundError(f"`{name}`: no such file: {path}")
        lower = path.lower()
        with _read_errors(path, prefix=f"`{name}`: "):
            if lower.endswith(".parquet"):
                frame = pd.read_parquet(path)
            elif lower.endswith((".csv", ".csv.gz", ".txt", ".txt.gz")):
                frame = pd.read_csv(path, encoding="utf-8-sig")
            else:
                raise ValueError(
                    f"`{name}`: unsupported file type {path!r}; use .csv, .csv.gz or .parquet."
                )
        table = frame
    if not isinstance(table, pd.DataFrame):
        raise ValueError(
            f"Expected `{name}` to be a DataFrame or a CSV/Parquet path. Received {type(table).__name__}."
        )
    if len(table) == 0:
        raise ValueError(f"`{name}` is empty: it has no rows.")
    return table


def read_csv(path, **kwargs):
    """`pandas.read_csv` with errors that name the file (and the line, for ragged rows).

    Reads a UTF-8 byte-order mark as such (not as part of the first column name),
    refuses a file with a header but no rows, and a row with more or fewer fields
    than the header (pandas would pad it with NaN).

    Args:
        path: str. A `.csv` or `.csv.gz` file.
        **kwargs: passed to `pandas.read_csv`.

    Returns:
        A `DataFrame`.

    Raises:
        ValueError: empty, header-only, truncated/corrupt gzip, undecodable or ragged file.
    """
    path = os.fspath(path)
    with _read_errors(path):
        frame = pd.read_csv(path, encoding="utf-8-sig", **kwargs)
    if len(frame) == 0:
        raise ValueError(f"{path} has a header but no rows.")
    if frame.isna().to_numpy().any():
        has_header = kwargs.get("header", "infer") is not None
        _refuse_ragged(path, len(frame.columns) if has_header else None)
    return frame


def _not_utf8(path):
    """The message for a CSV that is not UTF-8, naming its first such line."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                return (
                    f"{clean(path)}, line {number}: not UTF-8 text (byte 0x{line[error.start]:02x} "
                    f"at position {error.start + 1}); save the file as UTF-8."
                )
    return f"{clean(path)} is not UTF-8 text: is it really a CSV?"


def _refuse_ragged(path, n_fields):
    """Raises a ValueError at the first line whose field count differs from the header's."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if n_fields is None:
                n_fields = len(row)
            if row and len(row) != n_fields:
                raise ValueError(
                    f"{path} line {number} has {len(row)} fields, the header has {n_fields}."
                )


@contextlib.contextmanager
def _read_errors(path, prefix=""):
    """Turns the errors of reading the table at `path` (pandas, gzip, decoding) into one
    `ValueError` line naming the file: the one mapping of `read_table` and `read_csv`."""
    try:
        yield
    except pd.errors.EmptyDataError:
        raise ValueError(f"{prefix}{path} is empty (no header, no rows).") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"{prefix}{path}: {' '.join(str(error).split())}") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ValueError(
            f"{prefix}{path} is not a valid gzip file (corrupt or truncated): {error}"
        ) from None
    except UnicodeDecodeError:
        raise ValueError(_not_utf8(path)) from None


def to_columns(frame, preprocessor, name="X"):
    """Checks a DataFrame against the preprocessor's columns; returns name -> numpy array.

    Numeric columns become float32 (missing -> NaN); categorical ones become str
    arrays (missing -> ""). Column order does not matter; names and kinds do.

    Raises:
        ValueError: a missing or extra column, or a column whose dtype changed
            (strings where numbers were adapted, or numbers where strings were).
    """
    frame = read_table(frame, name)
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

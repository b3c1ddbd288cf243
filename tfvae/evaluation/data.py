"""Reading the rows to evaluate: `.npz` (arrays X, y) or a numeric CSV with a label column.

All readers go through `read_labelled_data`, so other table formats (raw-column
tables through the tabular preprocessing) plug in at one place.
"""

import os

import numpy as np
import pandas as pd

from tfvae.validation import check_features, load_npz, read_csv


def _labels(values, source):
    values = np.asarray(values).reshape(-1)
    if pd.isna(values).any():
        raise ValueError(f"{source}: the labels hold missing values.")
    unique = set(np.unique(values).tolist())
    if not unique <= {0, 1}:
        raise ValueError(
            f"{source}: labels must be 0 (normal) / 1 (anomaly); found {sorted(unique)[:10]}."
        )
    return values.astype(np.int64)


def _read_npz(path, labels):
    data = load_npz(path)
    x_key = "X" if "X" in data else ("x" if "x" in data else None)
    if x_key is None:
        raise ValueError(f"{path} has no array `X` (found {sorted(data)}).")
    y_key = labels or ("y" if "y" in data else None)
    if labels is not None and labels not in data:
        raise ValueError(f"{path} has no label array {labels!r} (found {sorted(data)}).")
    x = data[x_key]
    y = None if y_key is None else _labels(data[y_key], path)
    return x, y, None


def _read_csv(path, labels):
    frame = read_csv(path)
    y = None
    if labels is not None:
        if labels not in frame.columns:
            raise ValueError(f"{path} has no column {labels!r} (columns: {list(frame.columns)}).")
        y = _labels(frame.pop(labels).to_numpy(), f"{path} column {labels!r}")
    x, names = check_features(frame, name=os.path.basename(path), purpose="evaluating")
    return x, y, names


def read_labelled_data(path, labels=None):
    """Reads rows (and optional 0/1 labels) to evaluate.

    Args:
        path: str. A `.npz` with arrays `X` and optionally `y` (or the array named
            `labels`), or a `.csv` of numeric columns.
        labels: str or None. CSV: the label column (removed from the features).
            NPZ: the label array name (default `y` when present).

    Returns:
        `(x, y, feature_names)`: features as an array, labels as int 0/1 or None,
        the CSV column names (None for `.npz`).

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: unknown extension, missing arrays/columns, non-0/1 labels,
            non-numeric feature columns.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No data file at {path}.")
    extension = os.path.splitext(path)[1].lower()
    if extension == ".npz":
        x, y, names = _read_npz(path, labels)
    elif extension in (".csv", ".gz") and path.lower().endswith((".csv", ".csv.gz")):
        x, y, names = _read_csv(path, labels)
    else:
        raise ValueError(f"Unsupported data file {path}: expected `.npz`, `.csv` or `.csv.gz`.")
    if len(x) == 0:
        raise ValueError(f"{path} holds no rows.")
    return x, y, names

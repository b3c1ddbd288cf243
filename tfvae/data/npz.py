"""The one `.npz` reader: features `X` (or `x`) and optional labels, read without pickle."""

import os

import numpy as np
import pandas as pd


def load_npz(path):
    """`numpy.load` of an `.npz` archive (no pickle), with errors that name the file.

    Returns:
        A dict of arrays.

    Raises:
        ValueError: not a zip archive (e.g. a Parquet file named `.npz`), truncated,
            or holding object arrays (which would need pickle).
    """
    import zipfile
    import zlib

    path = os.fspath(path)
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            magic = f.read(4)
        kind = " (it is a Parquet file)" if magic == b"PAR1" else ""
        raise ValueError(f"{path} is not an `.npz` archive{kind}, or it is truncated.")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as error:
        raise ValueError(f"{path} is a damaged `.npz` archive ({error}).") from None
    except ValueError as error:
        if "pickle" in str(error):
            raise ValueError(
                f"{path} holds object arrays; tfvae reads numeric arrays only (no pickle)."
            ) from None
        raise


def read_npz(path, labels=None, normal_label=None):
    """`(x, is_anomaly or None)` of an `.npz` holding features and, optionally, labels.

    One rule for every reader (`tfvae train`, `evaluate`): the features are the array
    `X` (or `x`); the labels the array named `labels`, else `y` when present. With
    `normal_label`, a row is an anomaly when its label differs from it; without, the
    labels must be 0 (normal) / 1 (anomaly).

    Args:
        path: str or path-like.
        labels: str or None. Name of the label array (default `y`).
        normal_label: int or None. The label of normal rows.

    Returns:
        `(x, y)`: the feature array as stored, and int 0/1 labels or None.

    Raises:
        FileNotFoundError: no file at `path`.
        ValueError: not an `.npz` archive, no features, a missing label array, or
            labels that are not 0/1 (without `normal_label`).

    Example:
    ```python
    x, is_anomaly = read_npz("data.npz", normal_label=0)
    ```
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No npz file at {path}.")
    data = load_npz(path)
    x_key = "X" if "X" in data else ("x" if "x" in data else None)
    if x_key is None:
        raise ValueError(f"{path} has no array `X` (found {sorted(data)}).")
    if labels is not None and labels not in data:
        raise ValueError(f"{path} has no label array {labels!r} (found {sorted(data)}).")
    y_key = labels or ("y" if "y" in data else None)
    if y_key is None:
        return data[x_key], None
    if normal_label is not None:
        return data[x_key], (np.asarray(data[y_key]) != normal_label).astype(int)
    return data[x_key], binary_labels(data[y_key], path)


def binary_labels(values, source):
    """`values` as int64 0 (normal) / 1 (anomaly); `source` names them in errors."""
    values = np.asarray(values).reshape(-1)
    if pd.isna(values).any():
        raise ValueError(f"{source}: the labels hold missing values.")
    unique = set(np.unique(values).tolist())
    if not unique <= {0, 1}:
        raise ValueError(
            f"{source}: labels must be 0 (normal) / 1 (anomaly); found {sorted(unique)[:10]}."
        )
    return values.astype(np.int64)

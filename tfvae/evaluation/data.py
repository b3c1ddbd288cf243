"""Reading the rows to evaluate: `.npz` (arrays X, y) or a numeric CSV with a label column.

All readers go through `read_labelled_data`, so other table formats (raw-column
tables through the tabular preprocessing) plug in at one place.
"""

import os

from tfvae.data.frames import read_csv
from tfvae.data.npz import binary_labels, read_npz
from tfvae.validation import check_features


def _read_npz(path, labels):
    x, y = read_npz(path, labels)
    return x, y, None


def _read_csv(path, labels):
    frame = read_csv(path)
    y = None
    if labels is not None:
        if labels not in frame.columns:
            raise ValueError(f"{path} has no column {labels!r} (columns: {list(frame.columns)}).")
        y = binary_labels(frame.pop(labels).to_numpy(), f"{path} column {labels!r}")
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

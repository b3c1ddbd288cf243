"""Loads a data source named in the config and splits it for anomaly detection.

Models train on normal rows only. Normal rows are split into train / validation
(validation loss, early stopping and threshold calibration) / test; every anomaly
goes to the test set. Each loader is one small function returning `(x, y,
feature_names)` with `y` = 1 for anomalies (or None when there are no labels).
"""

import dataclasses
import gzip
import os
import typing

import numpy as np
import pandas as pd

from tfvae.validation import load_npz as _load_npz_file, read_csv

KDD_CATEGORICAL = ("protocol_type", "service", "flag")


@dataclasses.dataclass
class DataBundle:
    """Arrays of one run. `x_*` are float32; `y_test` is None without labels."""

    x_train: np.ndarray
    x_val: np.ndarray
    x_test: np.ndarray
    y_test: typing.Optional[np.ndarray]
    feature_names: typing.Optional[list]
    kind: str  # "table" or "image"

    def describe(self):
        return {
            "n_train": int(len(self.x_train)),
            "n_validation": int(len(self.x_val)),
            "n_test": int(len(self.x_test)),
            "n_test_anomalies": None if self.y_test is None else int(self.y_test.sum()),
            "feature_shape": list(self.x_train.shape[1:]),
            "kind": self.kind,
        }


def _require(path, what):
    if path is None or not os.path.exists(path):
        raise FileNotFoundError(f"{what} not found: {path!r}. Pass --data PATH or set data.path.")
    return path


def load_demo(config, seed):
    from tfvae.demo import demo_split

    x_normal, x_test, y_test = demo_split(seed)
    x = pd.concat([x_normal, x_test])
    y = np.r_[np.zeros(len(x_normal), int), y_test]
    return x.to_numpy("float32"), y, list(x.columns)


def load_npz(config, seed):
    path = _require(config.path, "npz file")
    data = _load_npz_file(path)
    if "X" not in data:
        raise ValueError(f"{path}: expected an array named `X`; found {sorted(data)}.")
    x = data["X"].astype("float32")
    y = data["y"] if "y" in data else None
    normal = 0 if config.normal_label is None else config.normal_label
    return x, None if y is None else (y != normal).astype(int), None


def load_csv(config, seed):
    path = _require(config.path, "CSV file")
    frame = read_csv(path)
    y = None
    if config.label_column is not None:
        if config.label_column not in frame.columns:
            raise ValueError(
                f"{path}: label column {config.label_column!r} not found; columns: {list(frame.columns)}."
            )
        labels = frame.pop(config.label_column)
        normal = 0 if config.normal_label is None else config.normal_label
        y = (labels != normal).to_numpy().astype(int)
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise ValueError(
            f"{path}: column {bad[0]!r} is not numeric (dtype {frame[bad[0]].dtype}); the csv source "
            "takes numeric feature columns only (set data.label_column for the label)."
        )
    return frame.to_numpy("float32"), y, [str(c) for c in frame.columns]


def _read_idx(path, offset):
    import zlib

    try:
        with gzip.open(path, "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ValueError(
            f"{path} is not a valid gzip file (corrupt or truncated): {error}"
        ) from None


def load_mnist_idx(config, seed):
    folder = _require(config.path, "MNIST folder")
    images = os.path.join(folder, "t10k-images-idx3-ubyte.gz")
    labels = os.path.join(folder, "t10k-labels-idx1-ubyte.gz")
    _require(images, "MNIST images file")
    x = _read_idx(images, 16).reshape(-1, 28, 28, 1).astype("float32") / 255.0
    digits = _read_idx(_require(labels, "MNIST labels file"), 8)
    normal = 0 if config.normal_label is None else int(config.normal_label)
    return x, (digits != normal).astype(int), None


def load_kddcup99_frame(path):
    """Reads KDD Cup 99 into `(features DataFrame, is_attack)`.

    The one function to swap for `tfvae.data.load_kddcup99` once it lands.
    Minimal encoding: one-hot `protocol_type`/`service`/`flag`; `log1p` of the
    count and byte columns (every numeric column with values above 1), whose heavy
    tails would otherwise dominate the standardised features.
    """
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    data_file = path if os.path.isfile(path) else os.path.join(folder, "kddcup.data_10_percent.gz")
    names_file = os.path.join(folder, "kddcup.names")
    _require(data_file, "KDD Cup 99 data file")
    with open(_require(names_file, "KDD Cup 99 names file")) as f:
        names = [line.split(":")[0] for line in f.read().splitlines()[1:] if ":" in line]
    frame = read_csv(data_file, header=None, names=names + ["label"])
    is_attack = (frame.pop("label") != "normal.").to_numpy().astype(int)
    numeric = [c for c in frame.columns if c not in KDD_CATEGORICAL]
    heavy = [c for c in numeric if frame[c].max() > 1]
    frame[heavy] = np.log1p(frame[heavy].astype("float64"))
    frame = pd.get_dummies(frame, columns=list(KDD_CATEGORICAL), dtype="float32")
    return frame, is_attack


def load_kddcup99(config, seed):
    frame, y = load_kddcup99_frame(_require(config.path, "KDD Cup 99 path"))
    return frame.to_numpy("float32"), y, [str(c) for c in frame.columns]


LOADERS = {
    "demo": load_demo,
    "npz": load_npz,
    "csv": load_csv,
    "mnist_idx": load_mnist_idx,
    "kddcup99": load_kddcup99,
}


def split(x, y, config, seed):
    """Splits normal rows into train/validation/test; anomalies join the test set."""
    rng = np.random.default_rng(seed)
    normal = np.flatnonzero(y == 0) if y is not None else np.arange(len(x))
    normal = rng.permutation(normal)
    n_val = int(round(len(normal) * config.validation_fraction))
    n_test = int(round(len(normal) * config.test_fraction)) if y is not None else 0
    val_rows, test_rows = normal[:n_val], normal[n_val : n_val + n_test]
    train_rows = normal[n_val + n_test :]
    if y is None:
        return x[train_rows], x[val_rows], x[val_rows][:0], None
    test_rows = np.concatenate([test_rows, np.flatnonzero(y == 1)])
    return x[train_rows], x[val_rows], x[test_rows], y[test_rows]


def load_data(config, seed=0):
    """Loads and splits the data described by a `DataConfig`.

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: the file does not hold what the source expects.
    """
    x, y, names = LOADERS[config.source](config, seed)
    if config.max_rows and len(x) > config.max_rows:
        keep = np.sort(np.random.default_rng(seed).permutation(len(x))[: config.max_rows])
        x, y = x[keep], None if y is None else y[keep]
    if not np.all(np.isfinite(x)):
        rows = np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).all(axis=1))
        raise ValueError(f"The {config.source} data holds NaN/inf in {rows.size} rows (first: {rows[0]}).")
    x_train, x_val, x_test, y_test = split(x, y, config, seed)
    kind = "image" if x.ndim == 4 else "table"
    return DataBundle(x_train, x_val, x_test, y_test, names, kind)

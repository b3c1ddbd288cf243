"""Data sets that fit in memory as arrays (npz tables, MNIST idx images, the demo table),
split for anomaly detection.

Models train on normal rows only: normal rows are split into train / validation (loss,
early stopping, threshold calibration) / test, and every anomaly goes to the test set.
Tables stored as CSV or Parquet files are read without holding them: `table_files`.
"""

import dataclasses
import os
import typing

import numpy as np

from tfvae.data.idx import load_idx
from tfvae.data.npz import read_npz


@dataclasses.dataclass
class ArrayBundle:
    """The arrays of one run. `x_*` are float32; `y_test` is None without labels."""

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


def npz_arrays(path, normal_label=None):
    """`(x, is_anomaly or None, None)` of an npz (`tfvae.data.npz.read_npz`); labels other
    than `normal_label` (default 0) mark anomalies."""
    x, y = read_npz(path, normal_label=0 if normal_label is None else normal_label)
    return x.astype("float32"), y, None


def mnist_arrays(folder, normal_digit=0):
    """`(images [n, 28, 28, 1] in [0, 1], is_anomaly, None)` of the MNIST test idx files."""
    folder = os.fspath(folder)
    images = load_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz"))
    digits = load_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"))
    x = images.reshape(-1, 28, 28, 1).astype("float32") / 255.0
    return x, (digits != int(normal_digit)).astype(int), None


def demo_arrays(seed=0):
    """`(x, is_anomaly, feature names)` of the demo table (`tfvae.data.breast_cancer.demo_split`)."""
    import pandas as pd

    from tfvae.data.breast_cancer import demo_split

    x_normal, x_test, y_test = demo_split(seed)
    x = pd.concat([x_normal, x_test])
    y = np.r_[np.zeros(len(x_normal), int), y_test]
    return x.to_numpy("float32"), y, [str(c) for c in x.columns]


def split_arrays(x, y, names, validation_fraction, test_fraction, seed=0, max_rows=0):
    """An `ArrayBundle`: normal rows split at random, anomalies in the test set.

    Raises:
        ValueError: NaN/inf rows (counted, first one named).
    """
    if max_rows and len(x) > max_rows:
        keep = np.sort(np.random.default_rng(seed).permutation(len(x))[:max_rows])
        x, y = x[keep], None if y is None else y[keep]
    finite = np.isfinite(x.reshape(len(x), -1)).all(axis=1)
    if not finite.all():
        rows = np.flatnonzero(~finite)
        raise ValueError(f"The data holds NaN/inf in {rows.size} rows (first: {rows[0]}).")
    rng = np.random.default_rng(seed)
    normal = rng.permutation(np.flatnonzero(y == 0) if y is not None else np.arange(len(x)))
    n_val = int(round(len(normal) * validation_fraction))
    n_test = int(round(len(normal) * test_fraction)) if y is not None else 0
    val_rows, test_rows = normal[:n_val], normal[n_val : n_val + n_test]
    train_rows = normal[n_val + n_test :]
    kind = "image" if x.ndim == 4 else "table"
    if y is None:
        return ArrayBundle(x[train_rows], x[val_rows], x[:0], None, names, kind)
    test_rows = np.concatenate([test_rows, np.flatnonzero(y == 1)])
    return ArrayBundle(x[train_rows], x[val_rows], x[test_rows], y[test_rows], names, kind)

"""The Wisconsin breast-cancer table bundled with scikit-learn, split for anomaly detection.

Benign rows are normal, malignant rows are anomalies: the data set of `tfvae demo` and of
`tfvae train --config demo`.
"""

import numpy as np
from sklearn.datasets import load_breast_cancer


def demo_split(seed=0, test_normal_fraction=0.3):
    """Returns `(x_train, x_test, y_test)` DataFrames/labels of the breast-cancer demo."""
    data = load_breast_cancer(as_frame=True)
    x, is_anomaly = data.data, (data.target == 0).to_numpy().astype(int)
    normal = np.flatnonzero(is_anomaly == 0)
    normal = np.random.default_rng(seed).permutation(normal)
    n_test = int(round(len(normal) * test_normal_fraction))
    test_rows = np.concatenate([normal[:n_test], np.flatnonzero(is_anomaly == 1)])
    return x.iloc[normal[n_test:]], x.iloc[test_rows], is_anomaly[test_rows]

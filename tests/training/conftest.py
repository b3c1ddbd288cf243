"""Fixtures of the training tests: a small labelled npz table and tiny configs."""

import numpy as np
import pytest
from helpers import with_anomalies


@pytest.fixture
def npz_path(tmp_path):
    """A labelled table (400 normal + 40 anomalies, 6 features) saved as X/y npz."""
    x_train, x_test, y_test = with_anomalies(n_normal=200, n_anomalies=40)
    x = np.vstack([x_train, x_test])
    y = np.r_[np.zeros(len(x_train), int), y_test]
    path = tmp_path / "table.npz"
    np.savez(path, X=x, y=y)
    return str(path)


@pytest.fixture
def tiny(npz_path):
    """Returns a function building a tiny `TrainConfig` on the npz table, with overrides."""
    from tfvae.training.config import from_dict

    def make(**sections):
        values = {
            "data": {"source": "npz", "path": npz_path, "validation_fraction": 0.25},
            "model": {"latent_dim": 2, "hidden_units": [16]},
            "optimizer": {"learning_rate": 0.01},
            "training": {"epochs": 2, "batch_size": 32, "verbose": 0, "histogram_freq": 1},
            "strategy": {"name": "default"},
        }
        for section, updates in sections.items():
            values.setdefault(section, {}).update(updates)
        return from_dict(values)

    return make

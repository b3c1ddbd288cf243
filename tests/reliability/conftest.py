"""Fixtures of the fault suite: one tiny model of each kind, trained once per session."""

import json

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def numeric_model(tmp_path_factory):
    """`(path, frame)`: a one-member `VAEDetector` `.keras` on 4 numeric columns a-d."""
    from tfvae import VAEDetector

    folder = tmp_path_factory.mktemp("numeric")
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(120, 4)), columns=list("abcd"))
    detector = VAEDetector(epochs=1, members=1, hidden_units=(8,), latent_dim=2, seed=0)
    return detector.fit(frame).save(folder / "numeric.keras"), frame


@pytest.fixture
def train_config(tmp_path):
    """A one-epoch config file on a tiny npz table, and its data."""
    np.savez(tmp_path / "rows.npz", X=np.random.default_rng(0).normal(size=(200, 4)))
    config = {
        "data": {"source": "npz", "path": str(tmp_path / "rows.npz")},
        "model": {"latent_dim": 2, "hidden_units": [8], "members": 1},
        "training": {"epochs": 1, "batch_size": 32, "verbose": 0, "histogram_freq": 0},
        "strategy": {"name": "default"},
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path

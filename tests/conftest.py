"""Test set-up. Runs at import, before TensorFlow initialises its devices.

The CPU is split into two logical devices so `MirroredStrategy` has two replicas
on machines without GPUs. `npz_path` and `tiny` serve the training and `tfvae train` tests.
"""

import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)

SHARED_DATA = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def mirrored_strategy():
    """The process's one MirroredStrategy over the two logical CPUs.

    Every test (and `tfvae train`) must share it: a second MirroredStrategy in one
    process restarts the collective instance keys and clashes with the first
    ("Shape mismatch in the collective instance").
    """
    from tfvae.training.strategies import make_strategy

    strategy = make_strategy("mirrored")
    assert strategy.num_replicas_in_sync == 2
    return strategy


@pytest.fixture
def shared_data():
    """Path of ../shared/data; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"needs the shared data sets at {SHARED_DATA} (absent on this machine)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _clear_keras_session():
    import keras

    keras.backend.clear_session()
    yield


@pytest.fixture
def npz_path(tmp_path):
    """A labelled table (400 normal + 40 anomalies, 6 features) saved as X/y npz."""
    from helpers import with_anomalies

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

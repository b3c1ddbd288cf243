"""Test set-up. Runs at import, before TensorFlow initialises its devices.

The CPU is split into two logical devices so `MirroredStrategy` has two replicas
on machines without GPUs.
"""

import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

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

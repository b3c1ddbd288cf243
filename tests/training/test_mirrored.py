import csv
import math
import os

import numpy as np
import tensorflow as tf

from tfvae.training.run import train


def _losses(out_dir):
    with open(os.path.join(out_dir, "training_log.csv"), newline="") as f:
        return np.array([[float(r["loss"]), float(r["val_loss"])] for r in csv.DictReader(f)])


def test_mirrored_on_two_cpus_matches_default_strategy(tiny, tmp_path):
    # The Autoencoder is deterministic: with the same seed and global batch, summing the
    # per-replica gradients (loss / global batch) must give the single-device curve.
    # Plain SGD: its step is proportional to the gradient, so a loss averaged per replica
    # (gradients twice too large once summed) changes the curve; Adam would hide the scale.
    assert len(tf.config.list_logical_devices("CPU")) == 2
    curves = {}
    for name in ("default", "mirrored"):
        config = tiny(
            model={"type": "autoencoder"},
            optimizer={"name": "sgd", "learning_rate": 0.05},
            training={"epochs": 3},
            strategy={"name": name},
        )
        result = train(config, str(tmp_path / name))
        assert result.metrics["training"]["replicas"] == (2 if name == "mirrored" else 1)
        curves[name] = _losses(str(tmp_path / name))
    np.testing.assert_allclose(curves["mirrored"], curves["default"], rtol=1e-4, atol=1e-5)
    assert curves["default"][-1, 0] < curves["default"][0, 0]  # it did learn


def test_vae_trains_under_mirrored(tiny, tmp_path):
    result = train(
        tiny(
            training={"per_replica_batch_size": 16, "batch_size": None},
            strategy={"name": "mirrored"},
        ),
        str(tmp_path / "run"),
    )
    training = result.metrics["training"]
    assert training["global_batch_size"] == 32 and training["replicas"] == 2
    assert all(math.isfinite(v) for v in training["final"].values())


def test_steps_per_execution_falls_back_to_one_with_replicas(tiny, tmp_path, caplog):
    # Keras 3.15 / TF 2.21 fail under MirroredStrategy with steps_per_execution > 1.
    config = tiny(training={"steps_per_execution": 8}, strategy={"name": "mirrored"})
    with caplog.at_level("WARNING"):
        result = train(config, str(tmp_path / "run"))
    assert result.metrics["training"]["steps_per_execution"] == 1
    assert "steps_per_execution=8 is not supported with 2 replicas" in caplog.text
    single = train(tiny(training={"steps_per_execution": 4}), str(tmp_path / "single"))
    assert single.metrics["training"]["steps_per_epoch"] == 6
    assert single.metrics["training"]["steps_per_execution"] == 3  # divides the epoch

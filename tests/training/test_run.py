import csv
import json
import math
import os

import keras
import numpy as np
import pytest

from tfvae.training.run import train


def _log(out_dir):
    with open(os.path.join(out_dir, "training_log.csv"), newline="") as f:
        return list(csv.DictReader(f))


def test_run_directory_holds_every_artefact(tiny, tmp_path):
    out = str(tmp_path / "run")
    result = train(tiny(loss={"kl_warmup_epochs": 2}, training={"epochs": 3}), out)
    for name in (
        "config.json",
        "config.yaml",
        "model.keras",
        "calibration_scores.npy",
        "threshold.json",
        "metrics.json",
        "training_log.csv",
    ):
        assert os.path.isfile(os.path.join(out, name)), name
    assert sorted(os.listdir(os.path.join(out, "checkpoints"))) == [
        f"epoch_00{i}.weights.h5" for i in (1, 2, 3)
    ]
    assert not os.path.exists(os.path.join(out, "backup"))  # removed once training ends
    assert {"train", "validation", "latent"} <= set(os.listdir(os.path.join(out, "logs")))
    rows = _log(out)
    assert [float(r["beta"]) for r in rows] == pytest.approx([0.0, 0.5, 1.0])  # KL warm-up
    assert {"loss", "reconstruction_loss", "kl_loss", "val_loss", "learning_rate"} <= set(rows[0])

    model = keras.saving.load_model(result.model_path, safe_mode=True)
    scores = np.load(os.path.join(out, "calibration_scores.npy"))
    assert model.threshold_value() == pytest.approx(np.percentile(scores, 99))
    metrics = json.load(open(os.path.join(out, "metrics.json")))
    assert metrics["training"]["epochs"] == 3 == result.epochs
    assert metrics["test"]["auroc"] > 0.8  # anomalies lie off the normal manifold


def test_finished_run_is_not_overwritten_without_flag(tiny, tmp_path):
    out = str(tmp_path / "run")
    train(tiny(training={"epochs": 1}), out)
    with pytest.raises(FileExistsError, match="--overwrite"):
        train(tiny(training={"epochs": 1}), out)
    assert train(tiny(training={"epochs": 1}), out, overwrite=True).epochs == 1


def test_overwrite_with_bad_data_keeps_the_finished_run(tiny, tmp_path):
    out = tmp_path / "run"
    train(tiny(training={"epochs": 1}), str(out))
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with pytest.raises(FileNotFoundError, match="typo.npz"):
        train(tiny(data={"path": str(tmp_path / "typo.npz")}), str(out), overwrite=True)
    with pytest.raises(ValueError, match="fewer than one global batch"):
        train(tiny(training={"batch_size": 4096}), str(out), overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(os.listdir(tmp_path)) == ["run", "table.npz"]  # no staging folder left


def test_overwrite_builds_the_new_run_beside_and_swaps_it_in(tiny, tmp_path):
    out = tmp_path / "run"
    train(tiny(training={"epochs": 1}), str(out))
    result = train(tiny(training={"epochs": 2}), str(out), overwrite=True)
    assert result.out_dir == str(out) and result.model_path == str(out / "model.keras")
    assert json.load(open(out / "metrics.json"))["training"]["epochs"] == 2
    assert sorted(os.listdir(tmp_path)) == ["run", "table.npz"]
    assert sorted(os.listdir(out / "checkpoints")) == [
        "epoch_001.weights.h5",
        "epoch_002.weights.h5",
    ]


def test_overwrite_refuses_a_folder_holding_other_files(tiny, tmp_path):
    out = tmp_path / "run"
    train(tiny(training={"epochs": 1}), str(out))
    (out / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="notes.txt"):
        train(tiny(training={"epochs": 1}), str(out), overwrite=True)
    assert (out / "notes.txt").read_text() == "mine" and (out / "metrics.json").exists()


def test_lr_schedule_and_early_stopping(tiny, tmp_path):
    out = str(tmp_path / "run")
    config = tiny(
        model={"type": "autoencoder"},  # deterministic validation loss
        optimizer={"learning_rate": 1e-12, "schedule": "cosine", "decay_rate": 0.0},
        training={"epochs": 20, "early_stopping_patience": 1},
    )
    rows = _log(out) if train(config, out) else None
    assert len(rows) == 2  # no improvement after the first epoch
    rates = [float(r["learning_rate"]) for r in rows]
    assert rates[1] < rates[0] < 1e-12


@pytest.mark.parametrize("precision", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_trains_without_nan(tiny, tmp_path, precision):
    result = train(tiny(training={"precision": precision}), str(tmp_path / "run"))
    final = result.metrics["training"]["final"]
    assert all(math.isfinite(v) for v in final.values())
    assert keras.config.dtype_policy().name == "float32"  # restored after the run
    model = keras.saving.load_model(result.model_path, safe_mode=True)
    assert model.dtype_policy.name == precision


def test_bad_input_fails_before_training(tiny, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="not divisible by the 2 replicas"):
        train(tiny(training={"batch_size": 33}, strategy={"name": "mirrored"}), str(out))
    with pytest.raises(ValueError, match="fewer than one global batch"):
        train(tiny(training={"batch_size": 4096}), str(out))
    with pytest.raises(FileNotFoundError, match="gone.npz"):
        train(tiny(data={"path": str(tmp_path / "gone.npz")}), str(out))
    assert not (out / "checkpoints").exists() and not (out / "model.keras").exists()


def test_epoch_orders_are_full_batches_and_resume_sees_the_same_ones():
    from tfvae.training.run_inputs import epoch_orders

    full = epoch_orders(100, 32, seed=0, first_epoch=0, epochs=3)
    assert full.shape == (9, 32)  # 3 full batches per epoch, the remainder dropped
    assert len(set(full[:3].ravel())) == 96  # no row twice within an epoch
    np.testing.assert_array_equal(epoch_orders(100, 32, 0, first_epoch=1, epochs=3), full[3:])
    assert epoch_orders(100, 32, 0, first_epoch=3, epochs=3).shape == (0, 32)


def test_same_seed_gives_the_same_vae_loss_curve(tiny, tmp_path):
    curves = []
    for name in ("a", "b"):
        train(tiny(training={"seed": 7}), str(tmp_path / name))
        curves.append([(r["loss"], r["val_loss"]) for r in _log(str(tmp_path / name))])
    assert curves[0] == curves[1]

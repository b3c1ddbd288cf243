import csv
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tfvae.training.config import to_dict
from tfvae.training.run import train


def _wait_for_mid_epoch_backup(process, metadata_path, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        try:
            with open(metadata_path) as f:
                state = json.load(f)
            if state["epoch"] >= 1 and state["batch"] > 0:
                return state
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"no mid-epoch backup before the run ended (exit code {process.poll()})")


@pytest.mark.slow
def test_sigkilled_run_resumes_and_ends_with_the_same_epochs(tiny, tmp_path):
    rows = np.random.default_rng(0).normal(size=(2400, 4)).astype("float32")
    data = tmp_path / "big.npz"
    np.savez(data, X=rows)
    settings = dict(
        data={"path": str(data), "validation_fraction": 0.05},
        model={"hidden_units": [8]},
        training={
            "epochs": 3,
            "batch_size": 8,
            "backup_freq": 40,
            "histogram_freq": 0,
            "checkpoint_every_epoch": False,
        },
    )
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(to_dict(tiny(**settings))))
    out = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "tfvae",
        "train",
        "--config",
        str(config_path),
        "--out",
        str(out),
        "--deterministic",
    ]

    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    state = _wait_for_mid_epoch_backup(first, out / "backup" / "current" / "training_metadata.json")
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert not (out / "metrics.json").exists()

    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["resumed_from_epoch"] >= state["epoch"] >= 1

    uninterrupted = train(tiny(**settings), str(tmp_path / "clean"))
    assert metrics["training"]["epochs"] == uninterrupted.epochs == 3
    with open(out / "training_log.csv", newline="") as f:
        assert [int(r["epoch"]) for r in csv.DictReader(f)] == [0, 1, 2]


def _wait_for_epoch_backup(process, metadata_path, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        try:
            with open(metadata_path) as f:
                if json.load(f)["epoch"] >= 1:
                    return
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"no epoch backup before the run ended (exit code {process.poll()})")


def _rows_as(source, rows, tmp_path):
    if source == "npz":
        np.savez(tmp_path / "rows.npz", X=rows)
        return {"path": str(tmp_path / "rows.npz")}
    # A table streamed from two CSV shards, with a string column.
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["a", "b", "c", "d"]).round(4)
    frame["kind"] = np.where(rows[:, 0] > 0, "up", "down")
    (tmp_path / "shards").mkdir()
    frame.iloc[:600].to_csv(tmp_path / "shards" / "0.csv", index=False)
    frame.iloc[600:].to_csv(tmp_path / "shards" / "1.csv", index=False)
    return {"source": "table", "path": str(tmp_path / "shards")}


@pytest.mark.slow
@pytest.mark.parametrize("source", ["npz", "table"])
def test_resumed_run_matches_an_uninterrupted_one(tiny, tmp_path, source):
    # Epoch backups: a run killed during epoch e resumes at e with the state after e - 1,
    # so with op determinism the weights, the optimizer's iterations and the scheduled
    # learning rate must equal those of a run that was never killed.
    import keras

    rows = np.random.default_rng(1).normal(size=(1200, 4)).astype("float32")
    settings = dict(
        data={**_rows_as(source, rows, tmp_path), "validation_fraction": 0.05},
        model={"type": "autoencoder", "hidden_units": [8]},
        optimizer={"schedule": "cosine", "decay_epochs": 3.0},
        training={
            "epochs": 3,
            "batch_size": 8,
            "backup_freq": "epoch",
            "histogram_freq": 0,
            "checkpoint_every_epoch": False,
            "deterministic": True,
        },
    )
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(to_dict(tiny(**settings))))
    command = [sys.executable, "-m", "tfvae", "train", "--config", str(config_path)]
    out = tmp_path / "killed"
    first = subprocess.Popen(
        command + ["--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for_epoch_backup(first, out / "backup" / "current" / "training_metadata.json")
    finally:
        first.kill()
        first.wait(timeout=30)
    assert not (out / "metrics.json").exists()
    for folder in (out, tmp_path / "clean"):
        done = subprocess.run(
            command + ["--out", str(folder)], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
    resumed, clean = (
        json.loads((f / "metrics.json").read_text())["training"] for f in (out, tmp_path / "clean")
    )
    assert resumed["resumed_from_epoch"] >= 1 and clean["resumed_from_epoch"] == 0
    models = [
        keras.saving.load_model(f / "model.keras", safe_mode=True)
        for f in (out, tmp_path / "clean")
    ]
    iterations = [int(m.optimizer.iterations.numpy()) for m in models]
    assert iterations[0] == iterations[1] == 3 * clean["steps_per_epoch"]
    if source == "npz":
        assert clean["steps_per_epoch"] == (len(rows) - 60) // 8
    rates = [float(keras.ops.convert_to_numpy(m.optimizer.learning_rate)) for m in models]
    assert rates[0] == rates[1] < 0.01  # the cosine schedule (from 0.01), at the same step
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)

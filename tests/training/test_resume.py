import csv
import json
import os
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
        training={"epochs": 3, "batch_size": 8, "backup_freq": 40, "histogram_freq": 0,
                  "checkpoint_every_epoch": False},
    )
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(to_dict(tiny(**settings))))
    out = tmp_path / "run"
    command = [sys.executable, "-m", "tfvae.cli", "train", "--config", str(config_path), "--out", str(out),
               "--deterministic"]

    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    state = _wait_for_mid_epoch_backup(first, out / "backup" / "training_metadata.json")
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

import json
import os
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pandas as pd
import pytest

from tfvae.training.config import to_dict


def _free_ports(n):
    """`n` ports free a moment ago. Another process may take one before the workers bind it
    (TF's gRPC server binds 0.0.0.0 and cannot share a held socket), so callers retry."""
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


BIND_FAILURES = ("Failed to add port", "Could not start gRPC server", "Address already in use")


def _run_workers(config_path, out, timeout=240):
    """Runs the two workers; returns `(return codes, outputs)`.

    A worker that fails (e.g. its port was taken) would leave the other waiting for the
    cluster: once one fails, or at the timeout, the others are killed.
    """
    workers = [f"localhost:{port}" for port in _free_ports(2)]
    logs = [open(f"{out}.worker{index}.log", "w+") for index in range(2)]
    processes = []
    try:
        for index in range(2):
            env = dict(os.environ)  # a fresh interpreter: one CPU device, no logical split
            env["TF_CONFIG"] = json.dumps(
                {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
            )
            command = [
                sys.executable,
                "-m",
                "tfvae",
                "train",
                "--config",
                str(config_path),
                "--strategy",
                "multi_worker",
                "--out",
                str(out),
            ]
            processes.append(
                subprocess.Popen(
                    command, env=env, stdout=logs[index], stderr=subprocess.STDOUT, text=True
                )
            )
        deadline = time.time() + timeout
        while time.time() < deadline:
            codes = [p.poll() for p in processes]
            if all(code is not None for code in codes) or any(code for code in codes):
                break
            time.sleep(0.2)
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
    outputs = []
    for log in logs:
        log.seek(0)
        outputs.append(log.read())
        log.close()
    return [p.returncode for p in processes], outputs


def _train_on_two_workers(config, tmp_path):
    """Trains `config` on two localhost workers; returns the run folder and their outputs."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(to_dict(config)))
    for attempt in range(3):  # a port taken between picking and binding: pick again
        out = tmp_path / f"run{attempt}"
        codes, outputs = _run_workers(config_path, out)
        if not any(failure in text for text in outputs for failure in BIND_FAILURES):
            break
    for code, text in zip(codes, outputs):
        assert code == 0, text[-3000:]
    return out, outputs


@pytest.mark.slow
def test_two_localhost_workers_train_one_epoch_and_agree(tiny, tmp_path):
    out, outputs = _train_on_two_workers(tiny(training={"epochs": 1}), tmp_path)
    assert "2 replicas" in outputs[0]
    chief = keras.saving.load_model(out / "model.keras", safe_mode=True)
    other = keras.saving.load_model(out / "workers" / "worker_1" / "model.keras", safe_mode=True)
    for a, b in zip(chief.get_weights(), other.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    assert json.loads((out / "metrics.json").read_text())["training"]["epochs"] == 1


def _sharded_table(folder, n_files=4, rows=240):
    rng = np.random.default_rng(0)
    folder.mkdir()
    for index in range(n_files):
        pd.DataFrame(
            {
                "size": rng.lognormal(size=rows).round(3),
                "rate": rng.normal(size=rows).round(3),
                "proto": rng.choice(["tcp", "udp"], size=rows),
                "label": np.where(rng.random(rows) < 0.05, "attack", "normal"),
            }
        ).to_csv(folder / f"part-{index}.csv", index=False)
    return folder


@pytest.mark.slow
def test_two_workers_each_read_their_shards_and_agree(tmp_path):
    from tfvae.data.row_split import TRAIN
    from tfvae.training.config import from_dict
    from tfvae.training.run_inputs import TableInputs

    folder = _sharded_table(tmp_path / "shards")
    config = from_dict(
        {
            "data": {
                "source": "table",
                "path": str(folder),
                "label_column": "label",
                "normal_label": "normal",
                "validation_fraction": 0.2,
            },
            "model": {"latent_dim": 2, "hidden_units": [8], "members": 1},
            "training": {"epochs": 2, "batch_size": 32, "verbose": 0, "histogram_freq": 0},
        }
    )
    out, _ = _train_on_two_workers(config, tmp_path)
    metrics = json.loads((out / "metrics.json").read_text())["training"]
    # By file: 4 shards, 2 each; an epoch is the steps of the smaller share, 16 rows a step.
    scan = TableInputs(config.data, seed=0, workers=2).scan
    assert metrics["workers"] == 2 and metrics["data"]["n_files"] == 4
    assert metrics["steps_per_epoch"] == scan.steps(TRAIN, 16) > 0
    chief = keras.saving.load_model(out / "model.keras", safe_mode=True)
    other = keras.saving.load_model(out / "workers" / "worker_1" / "model.keras", safe_mode=True)
    assert int(chief.optimizer.iterations) == 2 * metrics["steps_per_epoch"]
    for a, b in zip(chief.get_weights(), other.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)

import json
import os
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest

from tfvae.training.config import to_dict


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_two_localhost_workers_train_one_epoch_and_agree(tiny, tmp_path):
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(to_dict(tiny(training={"epochs": 1}))))
    workers = [f"localhost:{port}" for port in _free_ports(2)]
    out = tmp_path / "run"
    processes = []
    for index in range(2):
        env = dict(os.environ)  # a fresh interpreter: one CPU device, no logical split
        env["TF_CONFIG"] = json.dumps(
            {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        )
        command = [sys.executable, "-m", "tfvae.cli", "train", "--config", str(config_path),
                   "--strategy", "multi_worker", "--out", str(out)]
        processes.append(
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        )
    outputs = [p.communicate(timeout=240)[0] for p in processes]
    for p, text in zip(processes, outputs):
        assert p.returncode == 0, text[-3000:]
    assert "2 replicas" in outputs[0]
    chief = keras.saving.load_model(out / "model.keras", safe_mode=True)
    other = keras.saving.load_model(out / "workers" / "worker_1" / "model.keras", safe_mode=True)
    for a, b in zip(chief.get_weights(), other.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    assert json.loads((out / "metrics.json").read_text())["training"]["epochs"] == 1

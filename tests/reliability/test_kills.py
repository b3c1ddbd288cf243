"""SIGKILL `tfvae train`, `export` and `score` at points where they write: nothing the user
had is lost or half-written, and a rerun finishes the job. Seeded; every wait is bounded."""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from table_helpers import mixed_frame

from tfvae import TabularVAEDetector

TIMEOUT = 150  # seconds, per wait


def _tfvae(*args, cwd):
    return subprocess.Popen(
        [sys.executable, "-m", "tfvae", *map(str, args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when(process, condition, what):
    """SIGKILLs `process` as soon as `condition()` holds; fails if it ends or times out first."""
    deadline = time.time() + TIMEOUT
    try:
        while time.time() < deadline:
            if condition():
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                return
            if process.poll() is not None:
                raise AssertionError(
                    f"ended (exit {process.returncode}) before {what}: {process.stderr.read()}"
                )
            time.sleep(0.01)
        raise AssertionError(f"timed out waiting for {what}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def _finish(process):
    try:
        out, err = process.communicate(timeout=TIMEOUT * 2)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    assert process.returncode == 0, err
    return out


def _snapshot(folder):
    return {
        os.path.relpath(p, folder): open(p, "rb").read()
        for p in glob.glob(os.path.join(folder, "**", "*"), recursive=True)
        if os.path.isfile(p)
    }


def _train_config(tmp_path, epochs):
    rows = np.random.default_rng(0).normal(size=(1600, 4)).astype("float32")
    np.savez(tmp_path / "data.npz", X=rows)
    config = {
        "data": {"source": "npz", "path": str(tmp_path / "data.npz"), "validation_fraction": 0.1},
        "model": {"latent_dim": 2, "hidden_units": [8]},
        "training": {
            "epochs": epochs,
            "batch_size": 8,
            "backup_freq": 20,
            "histogram_freq": 0,
            "verbose": 0,
            "seed": 0,
        },
    }
    path = tmp_path / f"config_{epochs}.json"
    path.write_text(json.dumps(config))
    return path


@pytest.mark.slow
def test_killed_overwrite_keeps_the_finished_run_and_a_rerun_replaces_it(tmp_path):
    out = tmp_path / "run"
    _finish(_tfvae("train", "--config", _train_config(tmp_path, 1), "--out", out, cwd=tmp_path))
    before = _snapshot(out)
    second = _train_config(tmp_path, 2)
    staging = tmp_path / ".run.overwrite"
    for marker in ("config.json", os.path.join("backup", "current", "training_metadata.json")):
        process = _tfvae("train", "--config", second, "--out", out, "--overwrite", cwd=tmp_path)
        _kill_when(process, lambda: (staging / marker).exists(), f"staging {marker}")
        assert _snapshot(out) == before  # the finished run is untouched
    _finish(_tfvae("train", "--config", second, "--out", out, "--overwrite", cwd=tmp_path))
    assert json.loads((out / "metrics.json").read_text())["training"]["epochs"] == 2
    assert sorted(os.listdir(tmp_path)) == ["config_1.json", "config_2.json", "data.npz", "run"]


@pytest.fixture(scope="module")
def raw_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    frame = mixed_frame(200)
    model = TabularVAEDetector(epochs=1, hidden_units=(8,), latent_dim=2, seed=0).fit(frame)
    return model.save(folder / "raw.keras"), frame


@pytest.mark.slow
def test_killed_score_keeps_the_previous_output(raw_model, tmp_path):
    model, frame = raw_model
    big = pd.concat([frame] * 1000, ignore_index=True)  # 200k rows: seconds of scoring
    big.to_csv(tmp_path / "rows.csv", index=False)
    output = tmp_path / "scores.csv"
    output.write_text("previous scores\n")
    process = _tfvae(
        "score",
        model,
        "rows.csv",
        "--output",
        output,
        "--overwrite",
        "--block-mb",
        "0.05",
        "--batch-size",
        "1000",
        cwd=tmp_path,
    )

    def temporary():
        return [
            p
            for p in os.listdir(tmp_path)
            if p.startswith(".tmp-") and os.path.getsize(tmp_path / p)
        ]

    _kill_when(process, lambda: bool(temporary()), "a partly written temporary output")
    assert output.read_text() == "previous scores\n"
    _finish(_tfvae("score", model, "rows.csv", "--output", output, "--overwrite", cwd=tmp_path))
    assert len(pd.read_csv(output)) == len(big)


@pytest.mark.slow
def test_killed_export_publishes_no_version_and_a_rerun_does(raw_model, tmp_path):
    model, _ = raw_model
    base = tmp_path / "exports" / "raw"
    for condition, what in [
        (
            lambda: base.exists() and any(e.startswith(".tmp-1-") for e in os.listdir(base)),
            "temp dir",
        ),
        (lambda: bool(glob.glob(str(base / ".tmp-1-*" / "saved_model.pb"))), "saved_model.pb"),
    ]:
        process = _tfvae(
            "export", "--model", model, "--out", "exports", "--name", "raw", cwd=tmp_path
        )
        _kill_when(process, condition, what)
        assert [e for e in os.listdir(base) if e.isdigit()] == []
    printed = _finish(
        _tfvae("export", "--model", model, "--out", "exports", "--name", "raw", cwd=tmp_path)
    )
    assert "Exported version 1" in printed
    assert (base / "1" / "saved_model.pb").exists() and (base / "1" / "metadata.json").exists()

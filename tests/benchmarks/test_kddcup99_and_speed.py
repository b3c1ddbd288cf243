"""Smoke runs of benchmarks/kddcup99.py and benchmarks/speed.py on tiny settings."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

from helpers import with_anomalies

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"{name}_script", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kddcup99_on_a_preprocessed_npz(tmp_path):
    x_train, x_test, y_test = with_anomalies(n_normal=200, n_anomalies=20)
    np.savez(tmp_path / "kdd.npz", x_train=x_train, x_test=x_test, y_test=y_test)
    kdd = _load("kddcup99")
    assert kdd.main(["--npz", str(tmp_path / "kdd.npz"), "--out", str(tmp_path), "--epochs", "3"]) == 0
    report = json.loads((tmp_path / "kddcup99.json").read_text())
    assert set(report["results"]) == {"vae", "iforest"}
    assert report["n_test_anomalies"] == 20
    forest = report["results"]["iforest"]
    assert forest["confusion_matrix"]["tp"] + forest["confusion_matrix"]["fn"] == 20
    assert (tmp_path / "kddcup99_plots" / "latent_map.png").exists()
    with pytest.raises(ValueError, match="Pass --npz"):
        kdd.main(["--out", str(tmp_path)])


def test_speed_smoke(tmp_path):
    speed = _load("speed")
    assert speed.main(["--out", str(tmp_path), "--rows", "512", "--epochs", "1", "--repeats", "5",
                       "--features", "10", "--hidden", "8", "--latent-dim", "2", "--score-batch", "128"]) == 0
    report = json.loads((tmp_path / "speed.json").read_text())
    reference = report["matmul_reference"]
    # 2 FLOP per multiply-add: encoder 10x8, heads 2x(8x2), decoder 2x8 and 8x10.
    assert reference["flop_per_row"] == 2 * (80 + 32 + 16 + 80)
    keras_result = report["scoring"]["keras"]
    assert keras_result["rows_per_s"] > 0 and keras_result["latency"]["p99_ms"] >= keras_result["latency"]["p50_ms"]
    assert "not measured" in (tmp_path / "speed.md").read_text()

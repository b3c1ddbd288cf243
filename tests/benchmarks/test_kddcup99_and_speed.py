"""Smoke runs of benchmarks/kddcup99.py and benchmarks/speed.py in their `--quick` modes."""

import importlib.util
import json
import pathlib
import sys

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name):
    sys.path.insert(0, str(BENCHMARKS))  # the scripts import their sibling modules
    spec = importlib.util.spec_from_file_location(f"{name}_script", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kddcup99_quick_vae_and_iforest_on_the_same_split(shared_data, tmp_path):
    kdd = _load("kddcup99")
    path = shared_data / "kddcup99" / "kddcup.data_10_percent.gz"
    assert kdd.main([str(path), "--quick", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "kddcup99.json").read_text())
    assert set(report["results"]) == {"vae", "iforest"}
    assert report["n_test_anomalies"] == report["n_test"] // 2  # classic split: as many attacks as normals
    for result in report["results"].values():
        matrix = result["confusion_matrix"]
        assert matrix["tp"] + matrix["fn"] == report["n_test_anomalies"]
        assert 0.5 < result["auroc"] <= 1.0  # both detect attacks even after 2 epochs / on a 5% sample
    assert report["results"]["vae"]["epochs_run"] <= 2
    assert "VAE AUROC >= 0.995" in (tmp_path / "kddcup99.md").read_text()
    arrays = report["arrays"]
    assert set(arrays["results"]) == {"vae", "autoencoder", "iforest"}
    assert arrays["n_features"] > 38  # 38 numeric columns + the one-hot categories
    for result in arrays["results"].values():
        assert result["confusion_matrix"]["tp"] + result["confusion_matrix"]["fn"] == report["n_test_anomalies"]
        assert 0.5 < result["auroc"] <= 1.0
    assert "VAEDetector() AUROC >= 0.99" in (tmp_path / "kddcup99.md").read_text()


def test_speed_quick_measures_every_backend(tmp_path):
    speed = _load("speed")
    assert speed.main(["--quick", "--out", str(tmp_path), "--features", "10", "--hidden", "8",
                       "--latent-dim", "2", "--steps-per-execution", "4"]) == 0
    report = json.loads((tmp_path / "speed.json").read_text())
    reference = report["matmul_reference"]
    # 2 FLOP per multiply-add: encoder 10x8, heads 2x(8x2), decoder 2x8 and 8x10.
    assert reference["flop_per_row"] == 2 * (80 + 32 + 16 + 80)
    assert set(report["training"]) == {"1", "4"}
    assert report["training"]["4"]["steps_per_execution"] == 4
    assert set(report["scoring"]) == {"keras", "savedmodel", "tflite"}
    for result in report["scoring"].values():
        assert result["rows_per_s"] > 0 and result["latency"]["p99_us"] >= result["latency"]["p50_us"] > 0
    assert report["tflite_raw"]["p99_us"] >= report["tflite_raw"]["p50_us"] > 0
    assert report["streaming"]["rows"] == 3000 and report["streaming"]["n_errors"] == 0
    assert report["streaming"]["peak_rss_mb_after_scoring"] > 0
    text = (tmp_path / "speed.md").read_text()
    # The verdict in the table is the comparison of the measured figure with the target.
    target = speed.TARGETS["savedmodel_rows_per_s"]
    measured = report["scoring"]["savedmodel"]["rows_per_s"]
    line = next(row for row in text.splitlines() if "SavedModel batch scoring" in row)
    assert f"{target:,}" in line
    assert line.rstrip(" |").endswith("pass" if measured >= target else "FAIL"), line

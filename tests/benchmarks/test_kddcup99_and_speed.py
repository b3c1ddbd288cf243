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
    assert (
        report["n_test_anomalies"] == report["n_test"] // 2
    )  # classic split: as many attacks as normals
    for result in report["results"].values():
        matrix = result["confusion_matrix"]
        assert matrix["tp"] + matrix["fn"] == report["n_test_anomalies"]
        assert (
            0.5 < result["auroc"] <= 1.0
        )  # both detect attacks even after 2 epochs / on a 5% sample
    assert report["results"]["vae"]["epochs_run"] <= 2
    assert "VAE AUROC >= 0.995" in (tmp_path / "kddcup99.md").read_text()
    arrays = report["arrays"]
    assert set(arrays["results"]) == {"vae", "autoencoder", "iforest"}
    assert arrays["n_features"] > 38  # 38 numeric columns + the one-hot categories
    for result in arrays["results"].values():
        assert (
            result["confusion_matrix"]["tp"] + result["confusion_matrix"]["fn"]
            == report["n_test_anomalies"]
        )
        assert 0.5 < result["auroc"] <= 1.0
    assert "VAEDetector() AUROC >= 0.99" in (tmp_path / "kddcup99.md").read_text()


def test_speed_quick_measures_every_ratio(tmp_path):
    speed = _load("speed")
    assert speed.main(["--quick", "--out", str(tmp_path), "--configs", "pyod"]) == 0
    report = json.loads((tmp_path / "speed.json").read_text())
    config = report["configs"]["pyod"]
    # 2 FLOP per multiply-add: encoder 121x60, heads 2x(60x40), decoder 40x60 and 60x121.
    assert config["network"]["flop_per_row"] == 2 * (121 * 60 + 2 * 60 * 40 + 40 * 60 + 60 * 121)
    training, scoring = config["training"], config["scoring"]
    assert (
        training["fraction"] == training["detector_rows_per_s"] / training["reference_rows_per_s"]
    )
    for path in ("decision_function", "savedmodel"):
        assert (
            scoring[path]["fraction"]
            == scoring[path]["rows_per_s"] / scoring["reference_rows_per_s"]
        )
    for resolver in ("default_delegates", "builtin_only"):
        for runner in config["tflite"][resolver].values():
            assert runner["p99_us"] >= runner["p50_us"] > 0
    assert config["tflite"]["ops_per_signature"]["score"] > 0
    memory = config["memory"]
    assert memory["n_scores"] == memory["rows"] == 5000
    assert (
        memory["peak_rss_mb"] >= memory["rss_after_array_mb"] >= memory["rss_after_import_mb"] > 0
    )
    # The verdict in the table is the comparison of the measured ratio with the target.
    text = (tmp_path / "speed.md").read_text()
    line = next(row for row in text.splitlines() if "scoring: savedmodel" in row)
    ok = scoring["savedmodel"]["fraction"] >= speed.TARGETS["scoring_fraction"]
    assert line.rstrip(" |").endswith("pass" if ok else "FAIL"), line

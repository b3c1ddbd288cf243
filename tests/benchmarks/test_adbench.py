"""Runs benchmarks/adbench.py --quick on tiny synthetic tables (no shared data needed)."""

import importlib.util
import json
import pathlib

import numpy as np

from helpers import with_anomalies

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "adbench.py"


def _load():
    spec = importlib.util.spec_from_file_location("adbench_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_writes_tables(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for index, n_features in enumerate((4, 5, 6, 3)):
        x_train, x_test, y_test = with_anomalies(n_normal=60, n_anomalies=12, n_features=n_features, seed=index)
        x = np.vstack([x_train, x_test])
        y = np.r_[np.zeros(len(x_train)), y_test].astype(np.int64)
        np.savez(data / f"{index + 1}_toy.npz", X=x.astype(np.float64), y=y)
    adbench = _load()
    assert adbench.main(["--quick", "--data", str(data), "--out", str(tmp_path / "out"),
                         "--max-rows", "100"]) == 0
    report = json.loads((tmp_path / "out" / "adbench.json").read_text())
    assert report["config"]["datasets"] == ["1_toy", "2_toy", "3_toy"]  # --quick: 3 data sets
    run = report["results"]["1_toy"][0]
    assert run["seed"] == 1
    assert run["n_test"] == 30 and run["n_train"] < 70  # trained on the normal rows only
    columns = set(run["methods"])
    assert {"vae", "vae[kl]", "autoencoder", "pca", "iforest"} <= columns
    for result in run["methods"].values():
        assert 0.0 <= result["auroc"] <= 1.0 and 0.0 <= result["auprc"] <= 1.0
    means = report["summary"]["mean"]
    expected = np.mean([report["results"][d][0]["methods"]["iforest"]["auroc"] for d in report["results"]])
    assert means["iforest"]["auroc"] == expected
    markdown = (tmp_path / "out" / "adbench.md").read_text()
    assert "| **mean** |" in markdown and "iforest" in markdown
    assert adbench.main(["--render", str(tmp_path / "out" / "adbench.json")]) == 0
    first = str(tmp_path / "out" / "adbench.json")
    assert adbench.main(["--merge", first, first, "--out", str(tmp_path / "out"), "--name", "merged"]) == 0
    merged = json.loads((tmp_path / "out" / "merged.json").read_text())
    assert len(merged["results"]["1_toy"]) == 2
    assert merged["summary"]["mean"]["iforest"]["auroc"] == means["iforest"]["auroc"]


def test_load_dataset_checks_arrays(tmp_path):
    adbench = _load()
    np.savez(tmp_path / "bad.npz", X=np.zeros((4, 2)))
    try:
        adbench.load_dataset(tmp_path / "bad.npz")
    except ValueError as error:
        assert "lacks the arrays ['y']" in str(error)
    else:
        raise AssertionError("a file without y was accepted")


def test_vae_options_are_checked():
    adbench = _load()
    assert adbench.parse_vae_options(["standardize=False", "latent_dim=4"]) == {
        "standardize": False, "latent_dim": 4}
    for bad in (["latent=4"], ["standardize"]):
        try:
            adbench.parse_vae_options(bad)
        except ValueError as error:
            assert "Bad --vae-options entry" in str(error)
        else:
            raise AssertionError(f"{bad} was accepted")

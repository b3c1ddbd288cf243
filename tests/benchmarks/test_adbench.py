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


def _toy_data(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for index, n_features in enumerate((4, 5, 6, 3)):
        x_train, x_test, y_test = with_anomalies(
            n_normal=60, n_anomalies=12, n_features=n_features, seed=index
        )
        x = np.vstack([x_train, x_test])
        y = np.r_[np.zeros(len(x_train)), y_test].astype(np.int64)
        np.savez(data / f"{index + 1}_toy.npz", X=x.astype(np.float64), y=y)
    return data


def test_quick_run_writes_both_settings(tmp_path):
    data = _toy_data(tmp_path)
    adbench = _load()
    out = tmp_path / "out"
    assert (
        adbench.main(
            [
                "--quick",
                "--data",
                str(data),
                "--out",
                str(out),
                "--max-rows",
                "100",
                # The GAN has its own tests (tests/detectors/test_gan_detector.py); here it
                # would make most of the run's time.
                "--methods",
                "vae",
                "autoencoder",
                "pca",
                "iforest",
                "knn",
                "odim",
                "--variant",
                "small",
                "members=1",
                "latent_dim=2",
            ]
        )
        == 0
    )
    report = json.loads((out / "adbench.json").read_text())
    assert report["config"]["datasets"] == ["1_toy", "2_toy", "3_toy"]  # --quick: 3 data sets
    assert set(report["results"]) == {"semi", "contaminated"}
    semi = report["results"]["semi"]["1_toy"][0]
    contaminated = report["results"]["contaminated"]["1_toy"][0]
    assert semi["seed"] == 1
    assert semi["n_test"] == 30 and semi["n_train"] < 70  # 70/30, normal training rows only
    assert contaminated["n_test"] == 40 and contaminated["n_train"] == 60  # 60/40, anomalies kept
    columns = set(semi["methods"])
    assert {
        "vae",
        "vae[kl]",
        "vae[negative_elbo]",
        "autoencoder",
        "pca",
        "iforest",
        "knn",
    } <= columns
    assert {"odim", "vae:small", "vae[neighbour_distance]"} <= columns
    for result in semi["methods"].values():
        assert (
            0.0 <= result["auroc"] <= 1.0 and 0.0 <= result["auprc"] <= 1.0 and result["fit_s"] >= 0
        )
    means = report["summary"]["semi"]["mean"]
    expected = np.mean(
        [
            report["results"]["semi"][d][0]["methods"]["knn"]["auroc"]
            for d in report["results"]["semi"]
        ]
    )
    assert means["knn"]["auroc"] == expected
    markdown = (out / "adbench.md").read_text()
    assert (
        "| **mean** |" in markdown
        and "Contaminated" in markdown
        and "`vae:small` = VAEDetector(members=1" in markdown
    )
    assert adbench.main(["--render", str(out / "adbench.json")]) == 0
    first = str(out / "adbench.json")
    assert adbench.main(["--merge", first, first, "--out", str(out), "--name", "merged"]) == 0
    merged = json.loads((out / "merged.json").read_text())
    assert len(merged["results"]["semi"]["1_toy"]) == 1  # same seed: one row of columns
    assert merged["summary"]["semi"]["mean"]["knn"]["auroc"] == means["knn"]["auroc"]
    assert adbench.main(["--compare", "vae", first, "--out", str(out), "--name", "compare"]) == 0
    rows = json.loads((out / "compare.json").read_text())["rows"]
    knn = next(r for r in rows if r[0] == "semi" and r[1] == "knn")
    vae_mean = np.mean(
        [
            report["results"]["semi"][d][0]["methods"]["vae"]["auroc"]
            for d in report["results"]["semi"]
        ]
    )
    assert knn[2] == 3 and knn[3] == expected and knn[4] == vae_mean


def test_knn_scores_the_distance_to_the_kth_neighbour():
    adbench = _load()
    train = np.arange(10, dtype=np.float64)[:, None]
    np.testing.assert_allclose(
        adbench.knn_scores(train, np.array([[4.0], [20.0]]), k=3), [1.0, 13.0]
    )


def test_contaminated_split_keeps_anomalies_and_standardises():
    adbench = _load()
    x = np.random.default_rng(0).normal(5.0, 3.0, size=(500, 3))
    y = (np.arange(500) % 10 == 0).astype(np.int64)
    x_train, x_test, y_test = adbench.split(x, y, seed=1, setting="contaminated")
    assert len(x_train) == 300 and len(x_test) == 200 and y_test.sum() > 0
    np.testing.assert_allclose(x_train.mean(axis=0), 0.0, atol=1e-9)
    x_train, _, _ = adbench.split(x, y, seed=1, setting="semi")
    assert (
        len(x_train) == 315 and x_train.min() >= 0.0 and x_train.max() <= 1.0
    )  # normal rows, MinMax


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
        "standardize": False,
        "latent_dim": 4,
    }
    for bad in (["latent=4"], ["standardize"]):
        try:
            adbench.parse_vae_options(bad)
        except ValueError as error:
            assert "Bad VAE option" in str(error)
        else:
            raise AssertionError(f"{bad} was accepted")

"""Runs benchmarks/mnist_one_class.py on tiny fake idx files (no shared data needed)."""

import gzip
import importlib.util
import json
import pathlib

import numpy as np
import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "mnist_one_class.py"


def _load():
    spec = importlib.util.spec_from_file_location("mnist_one_class_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_idx(folder, n=200, seed=0):
    """Fake MNIST idx files: digit d is a bright bar at row 2 + 2 d."""
    rng = np.random.default_rng(seed)
    labels = np.tile(np.arange(10, dtype=np.uint8), n // 10)
    images = (rng.uniform(size=(n, 28, 28)) * 40).astype(np.uint8)
    for image, label in zip(images, labels):
        image[2 + 2 * label : 4 + 2 * label] = 255
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz", "wb") as f:
        f.write(np.array([0, 0, 8, 3], np.uint8).tobytes() + np.array([n, 28, 28], ">i4").tobytes())
        f.write(images.tobytes())
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz", "wb") as f:
        f.write(np.array([0, 0, 8, 1], np.uint8).tobytes() + np.array([n], ">i4").tobytes())
        f.write(labels.tobytes())
    return images, labels


@pytest.mark.slow
def test_quick_run_writes_tables(tmp_path):
    images, labels = _write_idx(tmp_path)
    script = _load()
    loaded, loaded_labels = script.load_mnist(str(tmp_path))
    assert loaded.shape == (200, 28, 28, 1) and loaded.max() == 1.0
    np.testing.assert_array_equal(loaded_labels, labels)
    train, test = script.split(loaded_labels, digit=3, seed=1)
    assert set(loaded_labels[train]) == {3} and len(test) == 100 and not set(train) & set(test)
    out = tmp_path / "out"
    argv = [
        "--data",
        str(tmp_path),
        "--out",
        str(out),
        "--digits",
        "3",
        "--seeds",
        "1",
        "--epochs",
        "2",
    ]
    assert script.main(argv) == 0
    report = json.loads((out / "mnist_one_class.json").read_text())
    run = report["results"][0]
    assert (run["digit"], run["seed"], run["n_test"]) == (3, 1, 100)
    for column in ("vae", "autoencoder"):
        assert 0.0 <= run["methods"][column]["auroc"] <= 1.0
    # Two epochs leave the generator untrained: reported as a failed run, not scored.
    gan = run["methods"]["gan"]
    if gan.get("error"):
        assert gan["error"].startswith("The GAN run (seed=1) failed")
    else:
        assert 0.0 <= gan["auroc"] <= 1.0
    markdown = (out / "mnist_one_class.md").read_text()
    assert "load average" in markdown and report["command"] in markdown


def test_missing_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="t10k-images"):
        _load().load_mnist(str(tmp_path))

import gzip
import struct

import numpy as np
import tensorflow_datasets as tfds
from table_helpers import kdd_file

from tfvae.data.idx import load_idx
from tfvae.data.tfds_builders import TfvaeKddcup99, TfvaeMnistIdx


def _idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def test_mock_data_loads_without_files():
    with tfds.testing.mock_data(num_examples=6):
        kdd = list(tfds.load("tfvae_kddcup99", split="train").take(6))
        mnist = list(tfds.load("tfvae_mnist_idx", split="test").take(6))
    assert len(kdd) == 6 and set(kdd[0]) >= {"src_bytes", "service", "label", "is_anomaly"}
    assert mnist[0]["image"].shape == (28, 28, 1)


def test_kddcup99_builder_prepares_offline_from_manual_dir(tmp_path):
    manual = tmp_path / "manual"
    manual.mkdir()
    kdd_file(manual / "kddcup.data_10_percent.gz", ["normal."] * 10 + ["smurf."] * 4)
    config = tfds.download.DownloadConfig(manual_dir=str(manual))
    builder = TfvaeKddcup99(data_dir=str(tmp_path / "data"))
    builder.download_and_prepare(download_config=config)
    assert builder.info.splits["train"].num_examples == 8
    assert builder.info.splits["test"].num_examples == 4
    test = list(tfds.as_numpy(builder.as_dataset(split="test")))
    assert sorted(int(r["is_anomaly"]) for r in test) == [0, 0, 1, 1]
    assert test[0]["service"] == b"http"


def test_mnist_idx_builder_and_reader(tmp_path):
    manual = tmp_path / "manual"
    manual.mkdir()
    images = np.arange(5 * 28 * 28).reshape(5, 28, 28) % 256
    _idx(manual / "t10k-images-idx3-ubyte.gz", images)
    _idx(manual / "t10k-labels-idx1-ubyte.gz", np.array([3, 1, 4, 1, 5]))
    np.testing.assert_array_equal(load_idx(manual / "t10k-images-idx3-ubyte.gz"), images)
    ds = tfds.load(
        "tfvae_mnist_idx",
        split="test",
        data_dir=str(tmp_path / "data"),
        download_and_prepare_kwargs={
            "download_config": tfds.download.DownloadConfig(manual_dir=str(manual))
        },
    )
    rows = sorted(
        tfds.as_numpy(ds), key=lambda r: int(r["label"]) * 100 + int(r["image"].sum() % 100)
    )
    assert sorted(int(r["label"]) for r in rows) == [1, 1, 3, 4, 5]
    assert TfvaeMnistIdx.name == "tfvae_mnist_idx"


def test_corrupt_idx_names_the_file(tmp_path):
    import pytest

    bad = tmp_path / "bad-idx3-ubyte.gz"
    bad.write_bytes(gzip.compress(b"\x00\x00\x08\x03" + b"\x00" * 40)[:20])
    with pytest.raises(ValueError, match="bad-idx3-ubyte.gz"):
        load_idx(bad)

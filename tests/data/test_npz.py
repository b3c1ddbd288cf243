"""The one `.npz` reader: features `X` or `x`, labels by name, one labelling rule."""

import numpy as np
import pytest

from tfvae.data import read_npz


def test_features_and_labels_follow_one_rule(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.ones((3, 2)), y=[0, 2, 0])
    x, y = read_npz(tmp_path / "a.npz", normal_label=0)  # as `tfvae train` reads it
    assert x.shape == (3, 2) and y.tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="labels must be 0"):
        read_npz(tmp_path / "a.npz")  # as `evaluate` reads it: 0/1 labels only
    np.savez(tmp_path / "b.npz", X=np.zeros((3, 2)), other=[1, 0, 1])
    assert read_npz(tmp_path / "b.npz", labels="other")[1].tolist() == [1, 0, 1]
    assert read_npz(tmp_path / "b.npz")[1] is None
    with pytest.raises(ValueError, match="no label array 'y'"):
        read_npz(tmp_path / "b.npz", labels="y")


def test_bad_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="gone.npz"):
        read_npz(tmp_path / "gone.npz")
    np.savez(tmp_path / "c.npz", features=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"has no array `X` \(found \['features'\]\)"):
        read_npz(tmp_path / "c.npz")
    (tmp_path / "d.npz").write_bytes(b"PAR1" + b"\0" * 20)
    with pytest.raises(ValueError, match="it is a Parquet file"):
        read_npz(tmp_path / "d.npz")

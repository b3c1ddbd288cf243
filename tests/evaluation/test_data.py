import numpy as np
import pandas as pd
import pytest

from tfvae.evaluation import read_labelled_data


def test_npz_with_and_without_labels(tmp_path):
    x = np.arange(12, dtype=float).reshape(4, 3)
    np.savez(tmp_path / "d.npz", X=x, y=[0, 1, 0, 0], other=[1, 1, 0, 0])
    got_x, got_y, names = read_labelled_data(tmp_path / "d.npz")
    np.testing.assert_array_equal(got_x, x)
    assert got_y.tolist() == [0, 1, 0, 0] and names is None
    assert read_labelled_data(tmp_path / "d.npz", "other")[1].tolist() == [1, 1, 0, 0]
    np.savez(tmp_path / "nolabel.npz", X=x)
    assert read_labelled_data(tmp_path / "nolabel.npz")[1] is None
    with pytest.raises(ValueError, match="no label array 'missing'"):
        read_labelled_data(tmp_path / "d.npz", "missing")


def test_csv_label_column(tmp_path):
    frame = pd.DataFrame({"a": [0.1, 0.2, 0.3], "b": [1.0, 2.0, 3.0], "is_attack": [0, 0, 1]})
    frame.to_csv(tmp_path / "d.csv", index=False)
    x, y, names = read_labelled_data(tmp_path / "d.csv", labels="is_attack")
    assert names == ["a", "b"] and x.shape == (3, 2) and y.tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match="no column 'label'"):
        read_labelled_data(tmp_path / "d.csv", labels="label")


def test_bad_inputs_are_named(tmp_path):
    pd.DataFrame({"a": [1.0, 2.0], "label": [0, 2]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match="labels must be 0"):
        read_labelled_data(tmp_path / "bad.csv", labels="label")
    pd.DataFrame({"a": [1.0, 2.0], "s": ["x", "y"]}).to_csv(tmp_path / "str.csv", index=False)
    with pytest.raises(ValueError, match=r"non-numeric columns \['s'\]"):
        read_labelled_data(tmp_path / "str.csv")
    with pytest.raises(FileNotFoundError):
        read_labelled_data(tmp_path / "absent.npz")
    (tmp_path / "d.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match="Unsupported data file"):
        read_labelled_data(tmp_path / "d.parquet")

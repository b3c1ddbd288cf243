import numpy as np
import pandas as pd
import pytest

from tfvae.training.config import DataConfig
from tfvae.training.data_sources import load_data, load_kddcup99_frame


def test_npz_split_keeps_anomalies_out_of_training(npz_path):
    bundle = load_data(DataConfig(source="npz", path=npz_path, validation_fraction=0.25))
    y = np.load(npz_path)["y"]
    assert len(bundle.x_train) + len(bundle.x_val) + len(bundle.x_test) == len(y)
    assert bundle.y_test.sum() == y.sum()  # every anomaly is in the test set
    assert len(bundle.x_val) == 100 and bundle.kind == "table"


def test_demo_source_uses_the_bundled_table():
    bundle = load_data(DataConfig(source="demo"))
    assert bundle.x_train.shape[1] == 30 and bundle.y_test.sum() == 212


def test_csv_source_takes_a_label_column_and_refuses_text(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": np.arange(20.0), "b": np.ones(20), "label": [0] * 18 + [1, 1]}).to_csv(path, index=False)
    bundle = load_data(DataConfig(source="csv", path=str(path), label_column="label"))
    assert bundle.feature_names == ["a", "b"] and bundle.y_test.sum() == 2
    with pytest.raises(ValueError, match="'lbl' not found"):
        load_data(DataConfig(source="csv", path=str(path), label_column="lbl"))
    pd.DataFrame({"a": [1.0, 2.0], "kind": ["x", "y"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="column 'kind' is not numeric"):
        load_data(DataConfig(source="csv", path=str(path)))


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        load_data(DataConfig(source="npz", path=str(tmp_path / "missing.npz")))


def test_nan_rows_are_refused(tmp_path):
    path = tmp_path / "nan.npz"
    x = np.ones((10, 3))
    x[4, 1] = np.nan
    np.savez(path, X=x)
    with pytest.raises(ValueError, match="NaN/inf in 1 rows"):
        load_data(DataConfig(source="npz", path=str(path)))


@pytest.mark.shared_data
def test_kddcup99_is_one_hot_encoded(shared_data):
    frame, is_attack = load_kddcup99_frame(str(shared_data / "kddcup99"))
    assert len(frame) == 494021 and is_attack.sum() == 396743
    assert frame.select_dtypes("number").shape[1] == frame.shape[1]
    assert "protocol_type_tcp" in frame.columns and "service" not in frame.columns


@pytest.mark.shared_data
def test_mnist_idx_one_digit_is_normal(shared_data):
    config = DataConfig(source="mnist_idx", path=str(shared_data / "mnist"), normal_label=3)
    bundle = load_data(config)
    assert bundle.x_train.shape[1:] == (28, 28, 1) and bundle.kind == "image"
    assert 0.0 <= bundle.x_train.min() and bundle.x_train.max() <= 1.0
    assert bundle.y_test.sum() == 10000 - 1010

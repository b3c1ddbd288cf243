import numpy as np
import pytest

from tfvae.data.array_sources import demo_arrays, mnist_arrays, npz_arrays, split_arrays


def test_npz_split_keeps_anomalies_out_of_training(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(440, 6)), np.r_[np.zeros(400, int), np.ones(40, int)]
    np.savez(tmp_path / "t.npz", X=x, y=y)
    bundle = split_arrays(*npz_arrays(tmp_path / "t.npz"), 0.25, 0.2)
    assert len(bundle.x_train) + len(bundle.x_val) + len(bundle.x_test) == len(y)
    assert bundle.y_test.sum() == 40  # every anomaly is in the test set
    assert len(bundle.x_val) == 100 and bundle.kind == "table"


def test_demo_arrays_are_the_bundled_table():
    bundle = split_arrays(*demo_arrays(), 0.2, 0.2)
    assert bundle.x_train.shape[1] == 30 and bundle.y_test.sum() == 212


def test_missing_npz_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        npz_arrays(tmp_path / "missing.npz")


def test_nan_rows_are_refused():
    x = np.ones((10, 3))
    x[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN/inf in 1 rows \(first: 4\)"):
        split_arrays(x, None, None, 0.2, 0.2)


@pytest.mark.shared_data
def test_mnist_idx_one_digit_is_normal(shared_data):
    bundle = split_arrays(*mnist_arrays(shared_data / "mnist", 3), 0.2, 0.2)
    assert bundle.x_train.shape[1:] == (28, 28, 1) and bundle.kind == "image"
    assert 0.0 <= bundle.x_train.min() and bundle.x_train.max() <= 1.0
    assert bundle.y_test.sum() == 10000 - 1010

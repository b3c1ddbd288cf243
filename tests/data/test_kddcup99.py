import gzip

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from table_helpers import KDD_ROW, kdd_file

from tfvae.data.kddcup99 import CATEGORICAL, COLUMNS, classic_split, load_kddcup99
from tfvae.detectors import TabularVAEDetector


def test_loader_reads_raw_columns_and_label(tmp_path):
    path = kdd_file(tmp_path / "kdd.gz", ["normal."] * 3 + ["smurf."])
    frame = load_kddcup99(path)
    assert list(frame.columns) == list(COLUMNS) + ["label"]
    assert frame.shape == (4, 42)
    assert frame["service"].iloc[0] == "http" and frame["src_bytes"].iloc[0] == 181.0


def test_classic_split_is_first_80_percent_of_normal_rows(tmp_path):
    labels = ["normal."] * 10 + ["smurf."] * 5 + ["normal."] * 10 + ["neptune."] * 5
    frame = load_kddcup99(kdd_file(tmp_path / "kdd.gz", labels))
    frame["duration"] = np.arange(len(frame))  # row ids
    train, test, y_test = classic_split(frame)
    assert list(train["duration"]) == list(range(10)) + list(range(15, 21))
    assert list(test["duration"][:4]) == [21, 22, 23, 24]
    assert y_test.tolist() == [0] * 4 + [1] * 4
    assert "label" not in test.columns
    assert classic_split(frame)[1].equals(test)  # deterministic


def test_missing_and_corrupt_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.gz"):
        load_kddcup99(tmp_path / "nope.gz")
    bad = tmp_path / "broken.gz"
    bad.write_bytes(gzip.compress(f"{KDD_ROW},normal.\n".encode() * 200)[:100])
    with pytest.raises(ValueError, match="broken.gz"):
        load_kddcup99(bad)


@pytest.mark.shared_data
def test_shared_file_and_classic_split(shared_data):
    frame = load_kddcup99(shared_data / "kddcup99" / "kddcup.data_10_percent.gz")
    assert frame.shape == (494021, 42)
    assert int((frame["label"] == "normal.").sum()) == 97278
    assert all(frame[c].dtype == object or str(frame[c].dtype) == "str" for c in CATEGORICAL)
    train, test, y_test = classic_split(frame)
    assert len(train) == 77822 and len(test) == 2 * 19456 and int(y_test.sum()) == 19456


@pytest.mark.shared_data
def test_end_to_end_small_sample_scores_raw_rows_by_column_name(shared_data, tmp_path):
    frame = load_kddcup99(shared_data / "kddcup99" / "kddcup.data_10_percent.gz")
    train, test, y_test = classic_split(frame)
    pick = np.r_[0:300, len(test) - 300 : len(test)]
    detector = TabularVAEDetector(epochs=3, batch_size=256).fit(train.iloc[::40])
    scores = detector.score_samples(test.iloc[pick])
    assert roc_auc_score(y_test[pick], scores) > 0.9
    loaded = TabularVAEDetector.load(detector.save(tmp_path / "kdd.keras"))
    np.testing.assert_allclose(loaded.score_samples(test.iloc[pick]), scores, rtol=1e-4)
    per_column = loaded.feature_scores(test.iloc[pick[:5]])
    assert list(per_column.columns) == list(COLUMNS)

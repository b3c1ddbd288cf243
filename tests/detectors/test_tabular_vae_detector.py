import numpy as np
import pandas as pd
import pytest
from table_helpers import mixed_frame

from tfvae.detectors import TabularVAEDetector, VAEDetector
from tfvae.preprocessing import read_feature_spec


def _fit(frame, **kwargs):
    return TabularVAEDetector(
        epochs=2, hidden_units=(8,), latent_dim=2, batch_size=64, **kwargs
    ).fit(frame)


def test_fits_and_scores_raw_frame_with_strings_and_missing_values():
    frame = mixed_frame(300)
    detector = _fit(frame)
    scores = detector.score_samples(frame)
    assert scores.shape == (300,) and np.isfinite(scores).all()
    assert list(detector.feature_names_in_) == list(frame.columns)
    # Rows with an impossible byte count and unseen protocol score higher.
    odd = frame.iloc[:5].assign(bytes=1e9, duration=100.0)
    assert detector.score_samples(odd).min() > np.median(scores)
    assert set(np.unique(detector.predict(frame))) <= {0, 1}


def test_feature_scores_sum_one_hot_groups_back_to_columns():
    frame = mixed_frame(200)
    detector = _fit(frame)
    per_column = detector.feature_scores(frame)
    assert list(per_column.columns) == list(frame.columns)
    assert per_column.index.equals(frame.index)
    details = detector.score_details(frame)
    # mean squared error over encoded features * width = sum of the grouped errors
    width = detector.preprocessor_.output_dim
    np.testing.assert_allclose(
        per_column.sum(axis=1), details["reconstruction_error"] * width, rtol=1e-4
    )


def test_column_order_does_not_matter_and_csv_path_is_accepted(tmp_path):
    frame = mixed_frame(150)
    detector = _fit(frame)
    shuffled = frame[list(reversed(frame.columns))]
    np.testing.assert_allclose(
        detector.score_samples(shuffled), detector.score_samples(frame), rtol=1e-6
    )
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    np.testing.assert_allclose(
        detector.score_samples(path), detector.score_samples(frame), rtol=1e-4
    )


def test_bad_columns_give_clear_errors():
    frame = mixed_frame(100)
    detector = _fit(frame)
    with pytest.raises(ValueError, match="missing column.*protocol"):
        detector.score_samples(frame.drop(columns=["protocol"]))
    with pytest.raises(ValueError, match="unexpected column.*extra"):
        detector.score_samples(frame.assign(extra=1.0))
    with pytest.raises(ValueError, match="'duration'.*dtype changed"):
        detector.score_samples(frame.assign(duration="long"))
    with pytest.raises(ValueError, match="'protocol'.*dtype changed"):
        detector.score_samples(frame.assign(protocol=3))
    with pytest.raises(ValueError, match="empty"):
        detector.score_samples(frame.iloc[:0])
    holes = frame.iloc[:3].assign(duration=[1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="'duration'.*missing"):
        detector.predict(holes)
    details = detector.score_details(holes)
    assert details["valid"].tolist() == [True, False, True] and details["is_anomaly"][1]
    # a missing value where training had some is imputed (plus indicator), not refused
    assert np.isfinite(detector.score_samples(frame.iloc[:3].assign(temperature=np.nan))).all()


def test_unknown_categories_are_counted_and_warned():
    frame = mixed_frame(100)
    detector = _fit(frame)
    new = frame.iloc[:4].assign(protocol=["quic", "quic", "tcp", "sctp"])
    assert detector.unknown_categories(new) == {"protocol": 3}
    with pytest.warns(UserWarning, match="protocol.*3"):
        scores = detector.score_samples(new)
    assert np.isfinite(scores).all()


def test_raw_frame_keras_round_trip_gives_same_scores(tmp_path):
    frame = mixed_frame(200)
    detector = _fit(frame)
    path = detector.save(tmp_path / "tabular.keras")
    loaded = TabularVAEDetector.load(path)
    np.testing.assert_allclose(
        loaded.score_samples(frame), detector.score_samples(frame), rtol=1e-5
    )
    assert loaded.threshold_ == pytest.approx(detector.threshold_)
    pd.testing.assert_frame_equal(loaded.feature_scores(frame), detector.feature_scores(frame))
    spec = read_feature_spec(path)
    assert spec["columns"] == detector.preprocessor_.feature_spec()["columns"]
    assert spec["columns"][2]["vocabulary"][0] == "tcp"


def test_numeric_numpy_vae_detector_unchanged(tmp_path):
    x = np.random.default_rng(0).normal(size=(120, 4)).astype("float32")
    detector = VAEDetector(epochs=1, hidden_units=(8,), latent_dim=2).fit(x)
    assert detector.score_samples(x).shape == (120,)
    path = tmp_path / "x.csv"
    pd.DataFrame(x, columns=list("abcd")).to_csv(path, index=False)
    from_csv = VAEDetector(epochs=1, hidden_units=(8,), latent_dim=2).fit(path)
    assert list(from_csv.feature_names_in_) == list("abcd")
    assert from_csv.score_samples(path).shape == (120,)
    pd.DataFrame(x, columns=list("abce")).to_csv(path, index=False)
    with pytest.raises(ValueError, match="missing.*'d'"):
        from_csv.score_samples(path)
    with pytest.raises(ValueError, match="non-numeric"):
        VAEDetector(epochs=1).fit(mixed_frame(50))

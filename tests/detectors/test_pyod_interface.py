"""PyOD's fitted attributes and outputs, and one threshold for every output of a detector."""

import json

import keras
import numpy as np
import pytest
from helpers import with_anomalies
from scipy.special import erf
from scipy.stats import binom
from sklearn.exceptions import NotFittedError

from tfvae.detectors import PCADetector, VAEDetector
from tfvae.thresholds import FalsePositiveRateThreshold, FixedThreshold


@pytest.fixture(scope="module")
def data():
    x_train, x_test, y_test = with_anomalies(n_normal=300, n_anomalies=30)
    return x_train, x_test, y_test


@pytest.fixture(scope="module")
def vae(data):
    return VAEDetector(epochs=3, members=1, batch_size=64, contamination=0.1).fit(data[0])


def test_pyod_attributes_with_contamination(data, vae):
    x_train = data[0]
    for detector in (PCADetector(contamination=0.1).fit(x_train), vae):
        assert detector.decision_scores_.shape == (300,)
        np.testing.assert_allclose(detector.decision_scores_, detector.score_samples(x_train))
        # PyOD: the threshold flags the `contamination` share of the training rows.
        assert detector.threshold_ == pytest.approx(
            np.quantile(detector.decision_scores_, 0.9), rel=1e-6
        )
        assert detector.labels_.mean() == pytest.approx(0.1, abs=1 / 300)
        np.testing.assert_array_equal(detector.labels_, detector.predict(x_train))
        # p-values compare with the held-out rows only (10%: rows the model never saw).
        assert detector.calibration_scores_.shape == (30,)


def test_without_contamination_the_threshold_is_a_held_out_percentile(data):
    detector = PCADetector(threshold_percentile=95).fit(data[0])
    held_out = detector.calibration_scores_
    assert held_out.shape == (30,) and np.isin(held_out, detector.decision_scores_).all()
    assert detector.threshold_ == pytest.approx(np.percentile(held_out, 95))
    np.testing.assert_array_equal(
        detector.labels_, (detector.decision_scores_ > detector.threshold_).astype(int)
    )


def test_predict_proba_as_pyod(data):
    x_train, x_test, _ = data
    detector = PCADetector(contamination=0.1).fit(x_train)
    train, scores = detector.decision_scores_, detector.score_samples(x_test)
    linear = detector.predict_proba(x_test)
    expected = np.clip((scores - train.min()) / (train.max() - train.min()), 0, 1)
    np.testing.assert_allclose(linear[:, 1], expected)
    np.testing.assert_allclose(linear.sum(axis=1), 1.0)
    unify = detector.predict_proba(x_test, method="unify")
    expected = np.clip(erf((scores - train.mean()) / (train.std() * np.sqrt(2))), 0, 1)
    np.testing.assert_allclose(unify[:, 1], expected)
    with pytest.raises(ValueError, match="method"):
        detector.predict_proba(x_test, method="softmax")


def _pyod_confidence(score, train, contamination, threshold):
    """PyOD's `predict_confidence` for one score, written out as the paper states it."""
    n = len(train)
    posterior = (1 + np.count_nonzero(train <= score)) / (2 + n)
    confidence = 1 - binom.cdf(n - int(n * contamination), n, posterior)
    return confidence if score > threshold else 1 - confidence


def test_predict_with_confidence_as_pyod(data):
    x_train, x_test, _ = data
    detector = PCADetector(contamination=0.1).fit(x_train)
    labels, confidence = detector.predict(x_test, return_confidence=True)
    np.testing.assert_array_equal(labels, detector.predict(x_test))
    scores = detector.score_samples(x_test)
    expected = [
        _pyod_confidence(s, detector.decision_scores_, 0.1, detector.threshold_) for s in scores
    ]
    np.testing.assert_allclose(confidence, expected)
    assert ((confidence >= 0) & (confidence <= 1)).all()
    probabilities, same = detector.predict_proba(x_test, return_confidence=True)
    np.testing.assert_array_equal(same, confidence)
    # Without `contamination`, the share the threshold flags among the training rows.
    plain = PCADetector().fit(x_train)
    share = plain.labels_.mean()
    expected = [
        _pyod_confidence(s, plain.decision_scores_, share, plain.threshold_) for s in scores
    ]
    np.testing.assert_allclose(plain.predict_confidence(x_test), expected)


def _restore(detector, threshold, rule):
    """Puts back the shared fixture's fitted threshold and rule."""
    detector.threshold_ = threshold
    detector.threshold_rule_ = rule


def test_assigned_threshold_reaches_every_output(data, vae, tmp_path):
    _, x_test, _ = data
    original, rule = vae.threshold_, vae.threshold_rule_
    try:
        vae.threshold_ = float(np.median(vae.score_samples(x_test)))
        assert vae.model_.threshold_value() == vae.threshold_
        predictions = vae.predict(x_test)
        assert 0.3 < predictions.mean() < 0.7
        np.testing.assert_array_equal(
            vae.score_details(x_test)["is_anomaly"], predictions.astype(bool)
        )
        np.testing.assert_array_equal(
            vae.labels_, (vae.decision_scores_ > vae.threshold_).astype(int)
        )
        assert vae.threshold_rule_.to_dict()["method"] == "FixedThreshold"
        loaded = VAEDetector.load(vae.save(tmp_path / "set.keras"))
        assert loaded.threshold_ == vae.threshold_
        assert loaded.threshold_rule_.to_dict() == vae.threshold_rule_.to_dict()
        np.testing.assert_array_equal(loaded.predict(x_test), predictions)
        with pytest.raises(ValueError, match="finite"):
            vae.threshold_ = float("nan")
    finally:
        _restore(vae, original, rule)


def test_assigned_threshold_is_what_is_exported(data, vae, tmp_path):
    from tfvae.export import export_model

    original, rule = vae.threshold_, vae.threshold_rule_
    try:
        vae.threshold_ = 12.5
        result = export_model(vae, tmp_path / "export", formats="savedmodel")
        assert result.metadata["threshold"] == 12.5
        assert result.metadata["threshold_calibration"]["method"] == "FixedThreshold"
    finally:
        _restore(vae, original, rule)


def test_calibrate_on_new_normal_rows(data):
    x_train, x_test, y_test = data
    detector = PCADetector(threshold_percentile=99).fit(x_train)
    normal = x_test[y_test == 0]
    assert detector.calibrate(normal) is detector
    np.testing.assert_array_equal(detector.calibration_scores_, detector.score_samples(normal))
    assert detector.threshold_ == pytest.approx(np.percentile(detector.calibration_scores_, 99))
    rule = FalsePositiveRateThreshold(0.05)
    detector.calibrate(normal, rule)
    assert detector.predict(normal).mean() <= 0.05
    assert not hasattr(rule, "threshold_")  # the caller's rule object is left unfitted
    with pytest.raises(TypeError, match="Threshold"):
        detector.calibrate(normal, 0.05)
    with pytest.raises(NotFittedError, match="call `fit` first"):
        PCADetector().calibrate(normal)
    with pytest.raises(NotFittedError, match="call `fit` first"):
        PCADetector().threshold_ = 1.0


def test_saved_detector_keeps_what_p_values_and_pyod_need(data, vae, tmp_path):
    _, x_test, _ = data
    path = vae.save(tmp_path / "detector.keras")
    loaded = VAEDetector.load(path)  # no calibration scores passed
    np.testing.assert_array_equal(loaded.p_values(x_test), vae.p_values(x_test))
    np.testing.assert_array_equal(loaded.decision_scores_, vae.decision_scores_)
    np.testing.assert_array_equal(loaded.labels_, vae.labels_)
    np.testing.assert_array_equal(loaded.predict_proba(x_test), vae.predict_proba(x_test))
    assert loaded.get_params() == vae.get_params()  # contamination included
    assert loaded.threshold_rule_.to_dict() == vae.threshold_rule_.to_dict()
    # Still a plain Keras model file (safe_mode), and a model saved by Keras alone
    # loads as a detector that says what is missing.
    model = keras.saving.load_model(path, safe_mode=True)
    assert model.threshold_value() == vae.threshold_
    model.save(tmp_path / "bare.keras")
    bare = VAEDetector.load(tmp_path / "bare.keras")
    np.testing.assert_array_equal(bare.predict(x_test), vae.predict(x_test))
    with pytest.raises(NotFittedError, match="calibrate"):
        bare.p_values(x_test)
    with pytest.raises(NotFittedError, match="fit"):
        bare.predict_proba(x_test)


def test_fixed_threshold_round_trip():
    rule = FixedThreshold(3.0).fit()
    assert rule.threshold_ == 3.0
    again = FixedThreshold.from_dict(json.loads(json.dumps(rule.to_dict())))
    assert again.threshold_ == 3.0 and again.value == 3.0
    for bad in (float("inf"), "3", True):
        with pytest.raises(ValueError, match="finite number"):
            FixedThreshold(bad)

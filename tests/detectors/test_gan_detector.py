"""GANDetector: the scikit-learn/PyOD interface on tables and images, and the failure check."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import gaussian_blobs, with_anomalies
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from tfvae import GANDetector
from tfvae.detectors import GANTrainingError
from tfvae.detectors.gan_training_check import gan_training_problems


@pytest.fixture(scope="module")
def fitted():
    x_train, x_test, y_test = with_anomalies(n_normal=400, n_anomalies=40)
    columns = [f"sensor_{i}" for i in range(x_train.shape[1])]
    detector = GANDetector(epochs=30, batch_size=64, seed=0).fit(
        pd.DataFrame(x_train, columns=columns)
    )
    return detector, pd.DataFrame(x_test, columns=columns), y_test


def test_injected_anomalies_score_higher(fitted):
    detector, x_test, y_test = fitted
    assert detector.training_problems_ == []
    assert roc_auc_score(y_test, detector.score_samples(x_test)) > 0.95
    predictions = detector.predict(x_test)
    assert predictions[y_test == 1].mean() > 0.8 and predictions[y_test == 0].mean() < 0.1


def test_fitted_attributes_threshold_and_scores(fitted):
    detector, x_test, _ = fitted
    assert detector.n_features_in_ == 6 and not hasattr(detector, "image_shape_")
    assert list(detector.feature_names_in_) == list(x_test.columns)
    assert detector.threshold_ == pytest.approx(np.percentile(detector.calibration_scores_, 99))
    assert detector.model_.threshold_value() == detector.threshold_
    np.testing.assert_array_equal(
        detector.decision_function(x_test), detector.score_samples(x_test)
    )
    details = detector.score_details(x_test)
    np.testing.assert_allclose(details["score"], details["combined"])
    scales = detector.model_.score_scales.numpy()
    assert np.all(scales > 0) and not np.allclose(scales, 1.0)
    np.testing.assert_allclose(
        details["combined"],
        details["reconstruction_error"] / scales[0] + 0.1 * details["feature_residual"] / scales[1],
        rtol=1e-5,
    )
    np.testing.assert_array_equal(details["is_anomaly"], detector.predict(x_test).astype(bool))
    frame = detector.feature_scores(x_test.iloc[:5])
    assert list(frame.columns) == list(x_test.columns)
    np.testing.assert_allclose(frame.mean(axis=1), details["reconstruction_error"][:5], rtol=1e-5)
    assert detector.reconstruct(x_test).shape == x_test.shape


def test_contamination_rule_and_clone(fitted):
    detector, _, _ = fitted
    params = clone(detector).get_params()
    assert params["epochs"] == 30 and params["on_failure"] == "raise"
    x_train, _, _ = with_anomalies(n_normal=200, n_anomalies=0)
    flagged = GANDetector(epochs=3, contamination=0.1, seed=1).fit(x_train)
    # PyOD's rule: the quantile of the scores of every row given to `fit`.
    assert len(flagged.decision_scores_) == len(x_train)
    assert flagged.threshold_ == pytest.approx(np.quantile(flagged.decision_scores_, 0.9), rel=1e-5)
    assert flagged.labels_.mean() == pytest.approx(0.1, abs=0.01)


def test_save_and_load_give_identical_scores(fitted, tmp_path):
    detector, x_test, _ = fitted
    path = detector.save(tmp_path / "gan.keras")
    loaded = GANDetector.load(path)  # the file holds the calibration scores
    np.testing.assert_array_equal(loaded.p_values(x_test), detector.p_values(x_test))
    np.testing.assert_array_equal(loaded.score_samples(x_test), detector.score_samples(x_test))
    np.testing.assert_array_equal(loaded.predict(x_test), detector.predict(x_test))
    assert loaded.n_features_in_ == 6 and list(loaded.feature_names_in_) == list(x_test.columns)
    assert not list(tmp_path.glob(".tmp-*"))


def test_unfitted_and_bad_input_are_refused(fitted):
    detector, x_test, _ = fitted
    with pytest.raises(NotFittedError):
        GANDetector().score_samples(x_test)
    with pytest.raises(ValueError, match="6"):
        detector.score_samples(np.zeros((3, 5), "float32"))
    with pytest.raises(ValueError, match="on_failure"):
        GANDetector(on_failure="ignore").fit(x_test)


def _bars(n, vertical, seed):
    """28x28 uint8 images of one bright bar (horizontal or vertical) at a random place."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 28, 28), np.uint8)
    for image, position in zip(images, rng.integers(4, 24, size=n)):
        if vertical:
            image[:, position - 2 : position + 2] = 255
        else:
            image[position - 2 : position + 2, :] = 255
    return images


def test_images_train_the_convolutional_gan(tmp_path):
    digits = load_digits()  # scikit-learn's bundled 8x8 digits, as uint8 pixels
    images = np.clip(digits.images * 16, 0, 255).astype(np.uint8)
    normal, odd = images[digits.target == 0], images[digits.target == 1][:40]
    detector = GANDetector(
        latent_dim=4,
        hidden_units=(16,),
        image_filters=(8, 16),
        epochs=20,
        batch_size=32,
        learning_rate=2e-3,
        seed=0,
    ).fit(normal[:140])
    assert detector.image_shape_ == (8, 8, 1) and detector.n_features_in_ == 64
    assert type(detector.model_.encoder).__name__ == "ConvEncoder"
    test = np.concatenate([normal[140:], odd])
    scores = detector.score_samples(test)
    assert roc_auc_score(np.r_[np.zeros(len(normal) - 140), np.ones(40)], scores) > 0.9
    assert detector.feature_scores(test[:2]).shape == (2, 64)
    assert detector.reconstruct(test[:2]).shape == (2, 8, 8, 1)
    loaded = GANDetector.load(detector.save(tmp_path / "images.keras"))
    assert loaded.image_shape_ == (8, 8, 1)
    np.testing.assert_array_equal(loaded.score_samples(test[..., None]), scores)
    with pytest.raises(ValueError, match=r"\(8, 8, 1\)"):
        detector.score_samples(np.zeros((2, 4, 4), np.float32))
    with pytest.raises(ValueError, match="pixels"):
        GANDetector(epochs=1).fit(-np.ones((20, 8, 8), np.float32))


def test_training_problems_are_named():
    fine = {"loss": [3.0, 2.0], "discriminator_loss": [1.4, 1.3]}
    assert gan_training_problems(fine) == []
    diverged = gan_training_problems({"loss": [3.0, math.nan], "discriminator_loss": [1.4, 1.3]})
    assert diverged == ["diverged: loss is NaN/inf from epoch 2 on"]
    collapsed = gan_training_problems({"loss": [3.0, 2.0], "discriminator_loss": [0.1, 1e-5]})
    assert len(collapsed) == 1 and collapsed[0].startswith("discriminator collapsed")
    rows = gaussian_blobs(50)
    same = np.repeat(rows[:1], 50, axis=0)
    generator = gan_training_problems(fine, features=rows, reconstructions=same)
    assert len(generator) == 1 and generator[0].startswith("generator collapsed")
    assert gan_training_problems(fine, features=rows, reconstructions=rows * 0.5) == []
    scores = gan_training_problems(fine, scores=np.array([1.0, np.inf]))
    assert scores == ["diverged: 1 of 2 calibration scores are NaN/inf"]


def test_failed_runs_raise_or_warn():
    x = gaussian_blobs(200)
    with pytest.raises(GANTrainingError, match="diverged: .*NaN/inf"):
        GANDetector(epochs=3, learning_rate=1e3, on_failure="warn").fit(x)
    # 60 small steps on the bar images: the generator still draws one image for every input.
    images = _bars(120, vertical=False, seed=0)
    stuck = dict(
        latent_dim=4,
        hidden_units=(16,),
        image_filters=(8, 16),
        epochs=15,
        batch_size=32,
        learning_rate=2e-4,
        seed=0,
    )
    with pytest.raises(GANTrainingError, match="generator collapsed"):
        GANDetector(**stuck).fit(images)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        detector = GANDetector(on_failure="warn", **stuck).fit(images)
    assert any("generator collapsed" in str(w.message) for w in caught)
    assert detector.training_problems_ and hasattr(detector, "threshold_")

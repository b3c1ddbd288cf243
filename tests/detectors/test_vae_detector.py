import numpy as np
import pandas as pd
import pytest
from helpers import with_anomalies
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from tfvae import VAEDetector


@pytest.fixture(scope="module")
def fitted():
    x_train, x_test, y_test = with_anomalies(n_normal=400, n_anomalies=40)
    columns = [f"sensor_{i}" for i in range(x_train.shape[1])]
    # A weight other than the default: loading must restore it from the file.
    detector = VAEDetector(epochs=40, batch_size=64, neighbour_weight=0.75, seed=0).fit(
        pd.DataFrame(x_train, columns=columns)
    )
    return detector, pd.DataFrame(x_test, columns=columns), y_test


def test_injected_anomalies_score_higher(fitted):
    detector, x_test, y_test = fitted
    assert roc_auc_score(y_test, detector.score_samples(x_test)) > 0.95
    predictions = detector.predict(x_test)
    assert set(np.unique(predictions)) <= {0, 1}
    assert predictions[y_test == 1].mean() > 0.8 and predictions[y_test == 0].mean() < 0.1


def test_fitted_attributes_and_threshold(fitted):
    detector, x_test, _ = fitted
    assert detector.n_features_in_ == 6
    assert list(detector.feature_names_in_) == list(x_test.columns)
    assert detector.threshold_ == pytest.approx(np.percentile(detector.calibration_scores_, 99))
    assert detector.model_.threshold_value() == pytest.approx(detector.threshold_)
    np.testing.assert_array_equal(
        detector.decision_function(x_test), detector.score_samples(x_test)
    )
    p = detector.p_values(x_test)
    assert np.all((p > 0) & (p <= 1))


def test_feature_scores_keep_column_names(fitted):
    detector, x_test, _ = fitted
    frame = detector.feature_scores(x_test.iloc[:5])
    assert list(frame.columns) == list(x_test.columns) and len(frame) == 5
    np.testing.assert_allclose(
        frame.mean(axis=1),
        detector.score_details(x_test.iloc[:5])["reconstruction_error"],
        rtol=1e-5,
    )


def test_save_and_load_give_identical_scores(fitted, tmp_path):
    detector, x_test, _ = fitted
    path = detector.save(tmp_path / "detector.keras")
    loaded = VAEDetector.load(path, calibration_scores=detector.calibration_scores_)
    np.testing.assert_array_equal(loaded.score_samples(x_test), detector.score_samples(x_test))
    np.testing.assert_array_equal(loaded.predict(x_test), detector.predict(x_test))
    assert list(loaded.feature_names_in_) == list(x_test.columns)
    assert (loaded.neighbour_weight, loaded.n_neighbors) == (0.75, 5)
    detector.model_.save(tmp_path / "model.keras")  # a bare model: arguments from its layers
    from_model = VAEDetector.load(tmp_path / "model.keras")
    assert (from_model.neighbour_weight, from_model.n_neighbors) == (0.75, 5)
    assert not list(tmp_path.glob(".tmp-*"))  # the atomic write left nothing behind


def test_bad_input_is_refused_before_scoring(fitted):
    detector, x_test, _ = fitted
    with pytest.raises(ValueError, match="6"):
        detector.score_samples(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="missing"):
        detector.predict(x_test.rename(columns={"sensor_0": "other"}))
    nan_rows = x_test.iloc[:3].copy()
    nan_rows.iloc[1, 2] = np.nan
    with pytest.raises(ValueError, match="sensor_2"):
        detector.predict(nan_rows)
    details = detector.score_details(nan_rows)  # explicit path that scores NaN rows as invalid
    np.testing.assert_array_equal(details["valid"], [True, False, True])
    assert details["is_anomaly"][1]


def test_unfitted_detector_says_call_fit():
    with pytest.raises(NotFittedError, match="call `fit` first"):
        VAEDetector().predict(np.zeros((2, 3)))


def test_bad_input_fails_before_training():
    detector = VAEDetector(epochs=1)
    for x, match in [
        (np.zeros(10), "2-D"),
        (np.zeros((0, 4)), "empty"),
        (np.array([[1.0, np.inf]]), "NaN/inf"),
    ]:
        with pytest.raises(ValueError, match=match):
            detector.fit(x)
        assert not hasattr(detector, "model_")
    with pytest.raises(ValueError, match="contamination"):
        VAEDetector(contamination=0.9).fit(np.zeros((20, 2)))
    with pytest.raises(ValueError, match="Expected `members` to be a positive int.*'x'"):
        VAEDetector(members="x", epochs=1).fit(np.zeros((20, 2)))


def test_numpy_integers_are_taken_as_sizes():
    # What a grid search over np.arange passes.
    x = np.random.default_rng(0).normal(size=(60, 3)).astype("float32")
    detector = VAEDetector(members=np.int64(2), epochs=1).fit(x)
    assert detector.model_.members == 2


def test_sklearn_clone_and_contamination():
    x_train, _, _ = with_anomalies(n_normal=200)
    detector = clone(VAEDetector(epochs=2, contamination=0.1, variational=False))
    labels = detector.fit_predict(x_train)
    assert detector.model_.name == "autoencoder"
    assert labels.shape == (200,)
    # PyOD's rule: the threshold flags 10% of the rows given to `fit` (`labels_`).
    np.testing.assert_array_equal(labels, detector.labels_)
    assert labels.mean() == pytest.approx(0.1, abs=0.5 / len(labels))
    np.testing.assert_array_equal(labels, detector.predict(x_train))


def test_same_seed_same_scores_within_one_process():
    # XLA keeps the state of stateful random ops per process: two fits with one seed
    # differed by ~2% while the training noise came from them.
    x_train, x_test, _ = with_anomalies(n_normal=300, n_anomalies=10)
    scores = [VAEDetector(epochs=2, seed=3).fit(x_train).score_samples(x_test) for _ in range(2)]
    np.testing.assert_array_equal(scores[0], scores[1])
    other_seed = VAEDetector(epochs=2, seed=4).fit(x_train).score_samples(x_test)
    assert not np.allclose(other_seed, scores[0])


@pytest.mark.parametrize(
    "options, kept",
    [({}, 90), ({"contamination": 0.2}, 72), ({"filter_fraction": 0.1}, 81)],
)
def test_rows_are_set_aside_only_when_the_training_rows_are_said_to_be_dirty(options, kept):
    # 100 rows, 10 held out: "auto" filters the contamination share, else nothing.
    x = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
    detector = VAEDetector(epochs=4, **options).fit(x)
    assert detector.model_.neighbours.bank_size == kept
    with pytest.raises(ValueError, match="filter_fraction"):
        VAEDetector(filter_fraction=0.7, epochs=1).fit(x)


def test_a_loop_of_fits_keeps_no_model_behind():
    # Keras models are reference cycles: with the generational collector held off, a
    # loop of fits keeps every dropped model unless the detector frees them.
    import gc

    x = np.random.default_rng(0).normal(size=(60, 3)).astype("float32")
    counts = []
    gc.disable()
    try:
        for seed in range(4):
            VAEDetector(epochs=1, seed=seed).fit(x)
            counts.append(len(gc.get_objects()))
    finally:
        gc.enable()
    assert counts[3] - counts[1] < 0.01 * counts[1], counts

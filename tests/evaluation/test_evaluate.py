import json

import numpy as np
import pytest
from helpers import with_anomalies

from tfvae import PCADetector, VAEDetector
from tfvae.evaluation import evaluate
from tfvae.metrics import detection_metrics


@pytest.fixture(scope="module")
def fitted():
    x_train, x_test, y_test = with_anomalies(n_normal=300, n_anomalies=30)
    detector = VAEDetector(latent_dim=2, hidden_units=(16,), epochs=15, seed=0).fit(x_train)
    return detector, x_test, y_test


def test_metrics_report_and_plots(fitted, tmp_path):
    detector, x_test, y_test = fitted
    result = evaluate(detector, x_test, y_test, out_dir=tmp_path)
    expected = detection_metrics(y_test, detector.score_samples(x_test), detector.threshold_)
    assert result["metrics"] == expected  # same scoring function, same rows
    assert result["labels"] == "given"
    assert result["metrics"]["auroc"] > 0.9  # anomalies lie off the normal manifold
    assert set(result["auroc_by_score"]) == {
        "negative_elbo",
        "reconstruction_error",
        "reconstruction_error_mae",
        "kl",
        "neighbour_distance",  # the default detector remembers training rows
        "elbo_neighbours",
    }
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["metrics"]["confusion_matrix"] == expected["confusion_matrix"]
    report = (tmp_path / "report.md").read_text()
    assert "| AUROC |" in report and "predicted anomaly" in report
    for name in ("training_curves", "score_histogram", "roc_curve", "pr_curve", "latent_map"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_synthetic_anomalies_when_no_labels(fitted):
    detector, x_test, y_test = fitted
    normal = x_test[y_test == 0]
    result = evaluate(detector, normal, None, n_synthetic=50)
    assert result["labels"] == "synthetic (feature_noise, 50 rows)"
    assert result["metrics"]["n_rows"] == len(normal) + 50
    assert result["metrics"]["n_anomalies"] == 50
    assert result["metrics"]["auroc"] > 0.8


def test_threshold_required_before_scoring(fitted):
    detector, x_test, y_test = fitted
    vae = VAEDetector(latent_dim=2, hidden_units=(8,), epochs=1).fit(x_test[:50]).model_
    vae.threshold.assign(float("nan"))
    with pytest.raises(ValueError, match="no threshold"):
        evaluate(vae, x_test, y_test)
    assert evaluate(vae, x_test, y_test, threshold=1.0)["metrics"]["threshold"] == 1.0


def test_other_detectors_get_scores_only(fitted, tmp_path):
    _, x_test, y_test = fitted
    pca = PCADetector(n_components=2).fit(x_test[y_test == 0])
    result = evaluate(pca, x_test, y_test, out_dir=tmp_path)
    assert result["metrics"]["auroc"] > 0.9
    assert "latent_map" not in result["plots"] and "roc_curve" in result["plots"]
    with pytest.raises(ValueError, match="Synthetic anomalies need a VAE"):
        evaluate(pca, x_test[y_test == 0], np.zeros(int((y_test == 0).sum())))


def test_label_length_mismatch(fitted):
    detector, x_test, _ = fitted
    with pytest.raises(ValueError, match="labels but the data has"):
        evaluate(detector, x_test, np.zeros(3))


def test_raw_table_detector_is_evaluated_on_named_columns(tmp_path):
    from table_helpers import mixed_frame

    from tfvae import TabularVAEDetector

    train, test = mixed_frame(n=300, seed=0), mixed_frame(n=60, seed=1)
    test.loc[30:, "duration"] += 40.0  # far outside the normal range
    y = np.r_[np.zeros(30, int), np.ones(30, int)]
    detector = TabularVAEDetector(latent_dim=2, hidden_units=(16,), epochs=3, seed=0).fit(train)
    result = evaluate(detector, test, y, out_dir=tmp_path)
    assert result["metrics"] == detection_metrics(
        y, detector.score_samples(test), detector.threshold_
    )
    assert set(result["auroc_by_score"]) >= {"negative_elbo", "kl"}
    assert (tmp_path / "latent_map.png").exists()
    with pytest.raises(ValueError, match="raw-table"):
        evaluate(detector, test.iloc[:30], y[:30])  # no anomaly given, synthetic ones impossible

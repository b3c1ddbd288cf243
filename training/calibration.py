"""After training: threshold on held-out normal scores, test metrics, saved artefacts."""

import os

import numpy as np

from tfvae.metrics import detection_metrics
from tfvae.scores import score_in_batches
from tfvae.thresholds import ContaminationThreshold, FalsePositiveRateThreshold, PercentileThreshold
from tfvae.training import artifacts

RULES = {
    "percentile": PercentileThreshold,
    "contamination": ContaminationThreshold,
    "target_fpr": FalsePositiveRateThreshold,
}


def threshold_rule(calibration_config):
    """The `tfvae.thresholds` object a `CalibrationConfig` names (unfitted)."""
    return RULES[calibration_config.method](calibration_config.value)


def calibrate_and_save(config, model, bundle, info, out_dir):
    """Fits the threshold, stores it in the model and writes the run's final files.

    Writes `calibration_scores.npy` (validation scores), `threshold.json`,
    `model.keras` (threshold included) and `metrics.json`, each atomically;
    `metrics.json` is written last, so its presence marks a finished run.

    Returns:
        `(metrics, model_path)`.
    """
    scores = score_in_batches(model, bundle.x_val, keys=("score",))["score"]
    bad = np.flatnonzero(~np.isfinite(scores))
    if bad.size:
        raise ValueError(
            f"{bad.size} of {scores.size} validation rows score NaN/inf (first: row {bad[0]}); "
            "the model diverged or these rows lie far outside the training range. Check the "
            "data scaling or lower optimizer.learning_rate."
        )
    rule = threshold_rule(config.calibration).fit(scores)
    model.threshold.assign(rule.threshold_)
    threshold = {**rule.to_dict(), "score_name": model.score_name}
    metrics = {"training": info, "threshold": threshold, "test": None}
    if bundle.y_test is not None and len(bundle.x_test):
        test_scores = score_in_batches(model, bundle.x_test, keys=("score",))["score"]
        metrics["test"] = detection_metrics(bundle.y_test, test_scores, rule.threshold_)
    artifacts.write_npy(os.path.join(out_dir, "calibration_scores.npy"), scores)
    artifacts.write_json(os.path.join(out_dir, "threshold.json"), threshold)
    model_path = artifacts.save_model(model, os.path.join(out_dir, "model.keras"))
    artifacts.write_json(os.path.join(out_dir, "metrics.json"), metrics)
    return metrics, model_path

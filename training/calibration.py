"""After training: threshold on held-out normal scores, test metrics, saved artefacts."""

import os

import numpy as np

from tfvae import atomic
from tfvae.metrics import detection_metrics
from tfvae.scoring.scores import score_in_batches
from tfvae.thresholds import threshold_rule
from tfvae.training import artifacts


def _scores(model, inputs):
    return score_in_batches(model, inputs, keys=("score",))["score"]


def calibrate_and_save(config, model, inputs, info, out_dir):
    """Fits the threshold, stores it in the model and writes the run's final files.

    Validation and test rows are scored block by block as `inputs` yields them (a
    table streams from its files). Writes `calibration_scores.npy` (validation
    scores), `threshold.json`, `model.keras` (threshold included) and `metrics.json`,
    each atomically; `metrics.json` is written last, so its presence marks a finished run.

    Returns:
        `(metrics, model_path)`.
    """
    scores = np.concatenate([_scores(model, block) for block in inputs.validation_inputs()])
    bad = np.flatnonzero(~np.isfinite(scores))
    if bad.size:
        raise ValueError(
            f"{bad.size} of {scores.size} validation rows score NaN/inf (first: row {bad[0]}); "
            "the model diverged or these rows lie far outside the training range. Check the "
            "data scaling or lower optimizer.learning_rate."
        )
    c = config.calibration
    rule = threshold_rule(c.method, c.value).fit(scores)
    model.threshold.assign(rule.threshold_)
    threshold = {**rule.to_dict(), "score_name": model.score_name}
    metrics = {"training": info, "threshold": threshold, "test": None}
    tested = [(_scores(model, block), y) for block, y in inputs.test_inputs()]
    if tested:
        test_scores = np.concatenate([s for s, _ in tested])
        y_test = np.concatenate([y for _, y in tested])
        metrics["test"] = detection_metrics(y_test, test_scores, rule.threshold_)
    artifacts.write_npy(os.path.join(out_dir, "calibration_scores.npy"), scores)
    atomic.write_json(os.path.join(out_dir, "threshold.json"), threshold)
    model_path = artifacts.save_model(model, os.path.join(out_dir, "model.keras"))
    atomic.write_json(os.path.join(out_dir, "metrics.json"), metrics)
    return metrics, model_path

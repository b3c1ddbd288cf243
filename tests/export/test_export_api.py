"""`export_model`: refusals before work, threshold override, warm-up records."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from export_helpers import N_FEATURES, parity_rows
from helpers import gaussian_blobs

import tfvae
from tfvae.export import export_model
from tfvae.export.warmup import WARMUP_FILE, read_warmup


def _untrained_vae(threshold=None):
    vae = tfvae.VAE(
        tfvae.DenseEncoder(2, hidden_units=[8]),
        tfvae.DenseDecoder(4, hidden_units=[8]),
        threshold=threshold,
    )
    vae.compile(optimizer="adam")
    return vae


def test_unfitted_models_are_refused(tmp_path):
    with pytest.raises(ValueError, match="not been trained"):
        export_model(_untrained_vae(threshold=1.0), tmp_path)
    vae = _untrained_vae(threshold=1.0)
    vae.build((None, 4))  # built, compiled, never fitted
    with pytest.raises(ValueError, match="call `fit`"):
        export_model(vae, tmp_path)
    uncompiled = tfvae.VAE(
        tfvae.DenseEncoder(2, hidden_units=[8]),
        tfvae.DenseDecoder(4, hidden_units=[8]),
        threshold=1.0,
    )
    uncompiled.build((None, 4))  # built, threshold set, never compiled nor fitted
    with pytest.raises(ValueError, match="call `fit`"):
        export_model(uncompiled, tmp_path)
    with pytest.raises(ValueError, match="not fitted"):
        export_model(tfvae.VAEDetector(), tmp_path)
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        export_model(tmp_path / "missing.keras", tmp_path)
    assert not os.listdir(tmp_path)


def test_model_without_threshold_needs_an_explicit_one(trained_vae, tmp_path):
    calibrated = trained_vae.threshold_value()
    trained_vae.threshold.assign(float("nan"))
    try:
        with pytest.raises(ValueError, match="--threshold"):
            export_model(trained_vae, tmp_path, formats="savedmodel")
        assert not os.path.exists(tmp_path / "model")
        result = export_model(trained_vae, tmp_path, formats="savedmodel", threshold=calibrated)
    finally:
        trained_vae.threshold.assign(calibrated)
    assert result.metadata["threshold"] == pytest.approx(calibrated)
    assert result.metadata["threshold_calibration"]["method"] == "explicit"


def test_threshold_override_changes_the_export_not_the_model(trained_vae, tmp_path):
    x = parity_rows()[:50]
    stored = trained_vae.threshold_value()
    low = float(np.min(tfvae.anomaly_scores(trained_vae, x)["score"])) - 1.0
    result = export_model(
        trained_vae, tmp_path, name="m", version=4, threshold=low, formats="savedmodel"
    )
    assert trained_vae.threshold_value() == stored
    loaded = tf.saved_model.load(result.version_dir)
    assert loaded.signatures["score"](features=tf.constant(x))["is_anomaly"].numpy().all()
    with pytest.raises(FileExistsError, match="never overwritten"):
        export_model(trained_vae, tmp_path, name="m", version=4, formats="savedmodel")
    assert export_model(trained_vae, tmp_path, name="m", formats="savedmodel").version == 5


def test_warmup_records_are_valid_requests_for_every_signature(exported):
    _, result = exported
    requests = read_warmup(os.path.join(result.saved_model_dir, WARMUP_FILE))
    assert {r.model_spec.signature_name for r in requests} == set(result.signatures)
    loaded = tf.saved_model.load(result.saved_model_dir)
    for request in requests:
        assert request.model_spec.name == "tiny"
        inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
        assert inputs["features"].shape[1] == N_FEATURES
        outputs = loaded.signatures[request.model_spec.signature_name](**inputs)
        assert all(v.shape[0] == inputs["features"].shape[0] for v in outputs.values())


def test_exports_from_a_keras_file(trained_vae, tmp_path):
    path = tmp_path / "model.keras"
    trained_vae.save(path)
    result = export_model(path, tmp_path / "out", name="m", formats="tflite", quantize="float16")
    assert sorted(os.listdir(result.version_dir)) == ["metadata.json", "tflite"]
    assert result.saved_model_dir is None and os.path.getsize(result.tflite_files["float16"]) > 0
    with pytest.raises(ValueError, match="quantize"):
        export_model(path, tmp_path / "out", quantize="int8")
    assert (
        keras.saving.load_model(path, safe_mode=True).threshold_value()
        == trained_vae.threshold_value()
    )


def test_exporting_a_detector_records_its_threshold_rule(tmp_path):
    detector = tfvae.VAEDetector(epochs=2, threshold_percentile=97.5).fit(gaussian_blobs(200))
    result = export_model(detector, tmp_path, name="det", formats="savedmodel")
    calibration = result.metadata["threshold_calibration"]
    assert calibration["method"] == "PercentileThreshold" and calibration["percentile"] == 97.5
    assert result.metadata["threshold"] == pytest.approx(detector.threshold_)

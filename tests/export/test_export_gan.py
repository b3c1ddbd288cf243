"""A GANDetector through the export module: signatures, metadata, SavedModel and TFLite parity."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from export_helpers import N_FEATURES, parity_rows
from helpers import gaussian_blobs

import tfvae
from tfvae.export import export_model
from tfvae.models.ganomaly import GANomaly

FLOAT32_RTOL = 1e-5  # as tests/export/test_export_parity.py
SCORE_KEYS = GANomaly.export_signatures["score"]


@pytest.fixture(scope="module")
def exported_gan(tmp_path_factory):
    x = gaussian_blobs(400, N_FEATURES, 0) * 3.0 + 5.0
    detector = tfvae.GANDetector(epochs=5, batch_size=64, seed=0).fit(x)
    result = export_model(detector, tmp_path_factory.mktemp("gan_exports"), name="gan")
    rows = parity_rows()
    keys = (*SCORE_KEYS, "feature_errors", "z_mean", "reconstruction")
    return detector, result, rows, tfvae.score_in_batches(detector.model_, rows, keys=keys)


def _assert_match(out, ref, keys=SCORE_KEYS, rtol=FLOAT32_RTOL, atol=1e-6):
    for key in keys:
        if ref[key].dtype == bool:
            np.testing.assert_array_equal(out[key], ref[key], err_msg=key)
        else:
            np.testing.assert_allclose(out[key], ref[key], rtol=rtol, atol=atol, err_msg=key)


def test_signatures_and_metadata_say_what_a_gan_has(exported_gan):
    _, result, _, ref = exported_gan
    assert 0 < ref["is_anomaly"].sum() < len(ref["is_anomaly"])
    assert set(result.signatures) == {
        "serving_default",
        "score",
        "feature_errors",
        "encode",
        "reconstruct",
    }
    meta = result.metadata
    assert meta["model_class"] == "GANomaly" and meta["likelihood"] is None
    assert (
        "kl" not in meta["signatures"]["score"]
        and "feature_residual" in meta["signatures"]["score"]
    )
    assert meta["signatures"]["encode"] == ["z_mean"]
    assert set(meta["absent_outputs"]) == {"kl", "z_log_var", "negative_elbo"}
    assert "discriminator" in meta["score_definition"]
    with open(os.path.join(result.version_dir, "metadata.json")) as f:
        assert json.load(f)["absent_outputs"] == meta["absent_outputs"]


def test_savedmodel_matches_keras(exported_gan):
    _, result, x, ref = exported_gan
    loaded = tf.saved_model.load(result.saved_model_dir)
    for name in ("serving_default", "score"):
        out = {k: v.numpy() for k, v in loaded.signatures[name](features=tf.constant(x)).items()}
        assert set(out) == set(SCORE_KEYS)
        _assert_match(out, ref)
    for name, keys in (
        ("feature_errors", ["feature_errors"]),
        ("encode", ["z_mean"]),
        ("reconstruct", ["reconstruction"]),
    ):
        out = {k: v.numpy() for k, v in loaded.signatures[name](features=tf.constant(x)).items()}
        _assert_match(out, ref, keys)


def test_tflite_float32_matches_keras(exported_gan):
    detector, result, x, ref = exported_gan
    interpreter = Interpreter(model_path=result.tflite_files["none"])
    _assert_match(interpreter.get_signature_runner("score")(features=x), ref)
    _assert_match(
        interpreter.get_signature_runner("feature_errors")(features=x), ref, ["feature_errors"]
    )
    # Latent coordinates near 0 differ by ~1e-6 absolute (XNNPACK's summation order).
    _assert_match(
        interpreter.get_signature_runner("encode")(features=x), ref, ["z_mean"], atol=1e-5
    )
    np.testing.assert_allclose(
        interpreter.get_signature_runner("score")(features=x)["score"],
        detector.score_samples(x),
        rtol=FLOAT32_RTOL,
    )


def test_image_gan_exports_with_tflite_parity(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(60, 28, 28)).astype("float32")
    detector = tfvae.GANDetector(
        latent_dim=4, hidden_units=(8,), image_filters=(4, 8), epochs=2, on_failure="warn", seed=0
    ).fit(images)
    result = export_model(detector, tmp_path, name="gan_images")
    assert result.metadata["input_shape"] == [None, 28, 28, 1]
    x = images[:16, ..., None]
    ref = tfvae.score_in_batches(detector.model_, x, keys=SCORE_KEYS)
    out = Interpreter(model_path=result.tflite_files["none"]).get_signature_runner("score")(
        features=x
    )
    _assert_match(out, ref)

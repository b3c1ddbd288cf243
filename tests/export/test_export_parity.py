"""Keras vs SavedModel (Python and saved_model_cli) vs TFLite on the same 1,000 rows."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from export_helpers import parity_rows

import tfvae
from tfvae.serving import SERVED_OUTPUTS

FLOAT32_RTOL = 1e-5
# Documented in the README ("TFLite on mobile/edge"): maximum relative score error of
# the quantised variants against Keras, and is_anomaly identical outside that band.
QUANTIZED_RTOL = {"float16": 2e-2, "dynamic": 0.25}


@pytest.fixture(scope="module")
def rows_and_reference(exported):
    model, _ = exported
    x = parity_rows()
    keys = (*SERVED_OUTPUTS, "feature_errors", "z_mean")
    return x, tfvae.score_in_batches(model, x, keys=keys)


def _assert_scores_match(out, ref, rtol):
    np.testing.assert_allclose(out["score"], ref["score"], rtol=rtol, atol=0)
    np.testing.assert_allclose(out["kl"], ref["kl"], rtol=rtol, atol=1e-5)
    np.testing.assert_allclose(
        out["reconstruction_error"], ref["reconstruction_error"], rtol=rtol, atol=0
    )
    np.testing.assert_array_equal(out["is_anomaly"], ref["is_anomaly"])
    np.testing.assert_array_equal(out["valid"], ref["valid"])


def test_rows_cover_both_decisions(rows_and_reference):
    _, ref = rows_and_reference
    assert 0 < ref["is_anomaly"].sum() < len(ref["is_anomaly"])


def test_savedmodel_signatures_match_keras(exported, rows_and_reference):
    _, result = exported
    x, ref = rows_and_reference
    loaded = tf.saved_model.load(result.saved_model_dir)
    for name in ("serving_default", "score"):
        out = {k: v.numpy() for k, v in loaded.signatures[name](features=tf.constant(x)).items()}
        _assert_scores_match(out, ref, FLOAT32_RTOL)
    errors = loaded.signatures["feature_errors"](features=tf.constant(x))["feature_errors"].numpy()
    np.testing.assert_allclose(errors, ref["feature_errors"], rtol=FLOAT32_RTOL, atol=1e-6)
    z_mean = loaded.signatures["encode"](features=tf.constant(x))["z_mean"].numpy()
    np.testing.assert_allclose(z_mean, ref["z_mean"], rtol=FLOAT32_RTOL, atol=1e-6)


def test_saved_model_cli_matches_keras(exported, rows_and_reference, tmp_path):
    _, result = exported
    x, ref = rows_and_reference
    np.save(tmp_path / "x.npy", x)
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    subprocess.run(
        [
            cli,
            "run",
            "--dir",
            result.saved_model_dir,
            "--tag_set",
            "serve",
            "--signature_def",
            "score",
            "--inputs",
            f"features={tmp_path / 'x.npy'}",
            "--outdir",
            str(tmp_path / "out"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    out = {key: np.load(tmp_path / "out" / f"{key}.npy") for key in SERVED_OUTPUTS}
    _assert_scores_match(out, ref, FLOAT32_RTOL)


def test_tflite_float32_matches_keras(exported, rows_and_reference):
    _, result = exported
    x, ref = rows_and_reference
    interpreter = Interpreter(model_path=result.tflite_files["none"])
    out = interpreter.get_signature_runner("score")(features=x)
    _assert_scores_match(out, ref, FLOAT32_RTOL)
    errors = interpreter.get_signature_runner("feature_errors")(features=x)["feature_errors"]
    np.testing.assert_allclose(errors, ref["feature_errors"], rtol=FLOAT32_RTOL, atol=1e-6)


@pytest.mark.parametrize("quantize", sorted(QUANTIZED_RTOL))
def test_quantized_tflite_within_documented_tolerance(exported, rows_and_reference, quantize):
    model, result = exported
    x, ref = rows_and_reference
    rtol = QUANTIZED_RTOL[quantize]
    out = Interpreter(model_path=result.tflite_files[quantize]).get_signature_runner("score")(
        features=x
    )
    np.testing.assert_allclose(out["score"], ref["score"], rtol=rtol, atol=0)
    # Decisions may only differ for rows whose score is within the tolerance of the threshold.
    threshold = model.threshold_value()
    clear = np.abs(ref["score"] - threshold) > rtol * np.abs(ref["score"])
    np.testing.assert_array_equal(out["is_anomaly"][clear], ref["is_anomaly"][clear])

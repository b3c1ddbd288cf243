"""The model `VAEDetector()` builds by default (3-member ensemble, FeatureScaler with a
log tail, learned noise, latent neighbour bank behind the `elbo_neighbours` score)
exports with SavedModel and float32 TFLite parity."""

import pathlib
import re

import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from export_helpers import parity_rows
from helpers import gaussian_blobs

import tfvae
from tfvae.detectors import VAEDetector
from tfvae.export import export_model
from tfvae.serving import SERVED_OUTPUTS


@pytest.fixture(scope="module")
def exported_default(tmp_path_factory):
    x = gaussian_blobs(400, 20) * 3.0 + 5.0
    detector = VAEDetector(epochs=2).fit(x)
    model = detector.model_
    assert model.members == 3 and model.preprocessor.knee is not None
    assert model.score_name == "elbo_neighbours" and model.neighbours is not None
    result = export_model(
        model,
        tmp_path_factory.mktemp("default"),
        name="default",
        formats="savedmodel,tflite",
        quantize="none",
    )
    rows = parity_rows()
    rows[:5] *= 1e6  # far past the log tail's knee
    reference = tfvae.score_in_batches(
        model, rows, keys=(*SERVED_OUTPUTS, "feature_errors", "z_mean")
    )
    return result, rows, reference


def _check(out, ref):
    for key in ("score", "kl", "reconstruction_error"):
        np.testing.assert_allclose(out[key], ref[key], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(out["is_anomaly"], ref["is_anomaly"])


def test_savedmodel_matches_keras(exported_default):
    result, rows, ref = exported_default
    loaded = tf.saved_model.load(result.saved_model_dir)
    _check(
        {k: v.numpy() for k, v in loaded.signatures["score"](features=tf.constant(rows)).items()},
        ref,
    )
    z_mean = loaded.signatures["encode"](features=tf.constant(rows))["z_mean"].numpy()
    assert z_mean.shape == (len(rows), 3, ref["z_mean"].shape[-1])


def test_tflite_float32_matches_keras(exported_default):
    result, rows, ref = exported_default
    interpreter = Interpreter(model_path=result.tflite_files["none"])
    _check(interpreter.get_signature_runner("score")(features=rows), ref)
    errors = interpreter.get_signature_runner("feature_errors")(features=rows)["feature_errors"]
    np.testing.assert_allclose(errors, ref["feature_errors"], rtol=1e-5, atol=1e-5)
    assert np.isfinite(ref["score"][:5]).all() and ref["is_anomaly"][:5].all()


def _documented_shapes(signature):
    """The shapes the README's signature table gives for `signature`'s outputs."""
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    (row,) = [
        line
        for line in readme.splitlines()
        if line.startswith("| `") and f"`{signature}`" in line.split("|")[1]
    ]
    return set(re.findall(r"`(\[[^\]]*\])`", row))


def test_readme_signature_table_tells_the_shapes(exported_default):
    result, rows, ref = exported_default
    loaded = tf.saved_model.load(result.saved_model_dir)
    sizes = {
        "batch": len(rows),
        "n_features": rows.shape[1],
        "members": VAEDetector().members,
        "latent_dim": ref["z_mean"].shape[-1],
    }
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"`VAEDetector()`, `members={sizes['members']}`" in readme  # the default it names
    for name in ("score", "feature_errors", "encode", "reconstruct"):
        documented = _documented_shapes(name)
        written = {
            "[" + ", ".join(str(sizes[d]) for d in shape[1:-1].split(", ")) + "]"
            for shape in documented
        }
        outputs = loaded.signatures[name](features=tf.constant(rows))
        for key, value in outputs.items():
            shape = "[" + ", ".join(str(d) for d in value.shape) + "]"
            assert shape in written, f"{name}/{key}: {shape} not among README's {documented}"

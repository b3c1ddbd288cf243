"""`score_raw`: one named input per raw column, for models with a dict preprocessor."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

import tfvae
from tfvae.export import export_model
from tfvae.serving import SERVED_OUTPUTS


@keras.saving.register_keras_serializable(package="tfvae_tests")
class AmountAndKind(keras.layers.Layer):
    """Test-only tabular preprocessor: standardises `amount`, one-hot encodes `kind` in {a, b}.

    Same interface as the tabular preprocessing of the data package: a dict of raw
    `[batch]` columns in, a float feature matrix out, and `input_signature()`.
    """

    def __init__(self, mean=0.0, std=1.0, **kwargs):
        super().__init__(**kwargs)
        self.mean = mean
        self.std = std

    def input_signature(self):
        return {
            "amount": tf.TensorSpec([None], tf.float32, name="amount"),
            "kind": tf.TensorSpec([None], tf.string, name="kind"),
        }

    def call(self, inputs):
        amount = (tf.cast(inputs["amount"], "float32") - self.mean) / self.std
        kinds = [tf.cast(tf.equal(inputs["kind"], k), "float32") for k in ("a", "b")]
        return tf.stack([amount, *kinds], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape["amount"][0], 3)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "std": self.std}


@pytest.fixture(scope="module")
def raw_export(tmp_path_factory):
    vae = tfvae.VAE(
        tfvae.DenseEncoder(2, hidden_units=[8]),
        tfvae.DenseDecoder(3, hidden_units=[8]),
        preprocessor=AmountAndKind(mean=10.0, std=4.0),
        threshold=6.0,
    )
    raw = {
        "amount": np.array([9.0, 11.0, 30.0, np.nan], "float32"),
        "kind": np.array([b"a", b"b", b"c", b"a"]),
    }
    vae.compile(optimizer="adam")
    finite = {name: values[:3] for name, values in raw.items()}
    # One step: export refuses never-fitted models (the wiring is what is checked here).
    vae.fit(tf.data.Dataset.from_tensor_slices(finite).batch(3), epochs=1, shuffle=False, verbose=0)
    result = export_model(vae, tmp_path_factory.mktemp("raw"), name="raw", quantize="none")
    return vae, raw, result


def test_score_raw_takes_named_columns_and_matches_keras(raw_export):
    vae, raw, result = raw_export
    loaded = tf.saved_model.load(result.saved_model_dir)
    function = loaded.signatures["score_raw"]
    specs = function.structured_input_signature[1]
    assert {k: (s.dtype, s.shape.as_list()) for k, s in specs.items()} == {
        "amount": (tf.float32, [None]),
        "kind": (tf.string, [None]),
    }
    out = function(amount=tf.constant(raw["amount"]), kind=tf.constant(raw["kind"]))
    assert set(out) == set(SERVED_OUTPUTS)
    ref = tfvae.anomaly_scores(vae, {k: tf.constant(v) for k, v in raw.items()})
    np.testing.assert_allclose(out["score"].numpy(), ref["score"].numpy(), rtol=1e-5)
    np.testing.assert_array_equal(out["valid"].numpy(), [True, True, True, False])
    assert out["is_anomaly"].numpy()[3]


def test_feature_signatures_take_the_encoded_features(raw_export):
    vae, raw, result = raw_export
    encoded = AmountAndKind(mean=10.0, std=4.0)(raw).numpy()
    loaded = tf.saved_model.load(result.saved_model_dir)
    by_features = loaded.signatures["score"](features=tf.constant(encoded))["score"].numpy()
    by_raw = loaded.signatures["score_raw"](amount=raw["amount"], kind=raw["kind"])["score"].numpy()
    np.testing.assert_allclose(by_features, by_raw, rtol=1e-6)
    tflite = Interpreter(model_path=result.tflite_files["none"]).get_signature_runner("score")
    np.testing.assert_allclose(tflite(features=encoded)["score"], by_raw, rtol=1e-5)
    assert result.metadata["input_is_encoded"] and result.metadata["raw_inputs"] == {
        "amount": "float32",
        "kind": "string",
    }


def test_tabular_detector_with_string_lookups_exports(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"amount": rng.normal(10, 2, 120), "kind": rng.choice(["a", "b", "c"], 120)}
    )
    detector = tfvae.TabularVAEDetector(latent_dim=2, hidden_units=(8,), epochs=2, seed=0).fit(
        frame
    )
    result = export_model(detector, tmp_path, name="tab", formats="savedmodel")
    loaded = tf.saved_model.load(result.saved_model_dir)
    served = loaded.signatures["score_raw"](
        amount=tf.constant(frame["amount"].to_numpy(np.float32)),
        kind=tf.constant(frame["kind"].to_numpy(object)),
    )
    np.testing.assert_allclose(
        served["score"].numpy(), detector.score_samples(frame), rtol=1e-4, atol=1e-4
    )

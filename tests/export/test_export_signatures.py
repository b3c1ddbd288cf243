"""The serving contract of the SavedModel and the `.tflite` files: names, dtypes, shapes."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from export_helpers import N_FEATURES, parity_rows

from tfvae import serving
from tfvae.export.tflite import read_metadata


@pytest.fixture(scope="module")
def loaded(exported):
    return tf.saved_model.load(exported[1].saved_model_dir)


def test_savedmodel_signature_contract(loaded):
    assert set(loaded.signatures) == set(serving.FEATURE_SIGNATURES)
    for name, keys in serving.FEATURE_SIGNATURES.items():
        function = loaded.signatures[name]
        (spec,) = function.structured_input_signature[1].values()
        assert spec.name == "features" and spec.dtype == tf.float32
        assert spec.shape.as_list() == [None, N_FEATURES]
        outputs = function.structured_outputs
        assert set(outputs) == set(keys)
        for key, out in outputs.items():
            assert out.dtype == (tf.bool if key in ("is_anomaly", "valid") else tf.float32)
    score_outputs = loaded.signatures["score"].structured_outputs
    assert all(score_outputs[k].shape.as_list() == [None] for k in serving.SERVED_OUTPUTS)
    assert loaded.signatures["feature_errors"].structured_outputs[
        "feature_errors"
    ].shape.as_list() == [None, N_FEATURES]


def test_threshold_is_a_saved_variable(exported, loaded):
    model, _ = exported
    assert isinstance(loaded.threshold, tf.Variable)
    assert float(loaded.threshold.numpy()) == pytest.approx(model.threshold_value())


def test_wrong_input_width_is_refused_by_the_input_spec(loaded):
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"tensor features \[2,21\] .* expected shape \[\?,20\]",
    ):
        loaded.signatures["score"](features=tf.zeros([2, N_FEATURES + 1]))


def test_nonfinite_rows_are_invalid_anomalies_in_savedmodel(loaded):
    x = parity_rows()[:4].copy()
    x[1, 3], x[2, 0] = np.nan, np.inf
    out = loaded.signatures["score"](features=tf.constant(x))
    np.testing.assert_array_equal(out["valid"].numpy(), [True, False, False, True])
    assert out["is_anomaly"].numpy()[1:3].all()
    assert np.isfinite(out["score"].numpy()[[0, 3]]).all()


def test_tflite_signatures_builtin_ops_and_nonfinite_rows(exported):
    _, result = exported
    interpreter = Interpreter(model_path=result.tflite_files["none"])
    signatures = interpreter.get_signature_list()
    assert set(signatures) == set(serving.TFLITE_SIGNATURES)
    assert sorted(signatures["score"]["outputs"]) == sorted(serving.SERVED_OUTPUTS)
    assert sorted(signatures["encode"]["outputs"]) == sorted(serving.ENCODE_KEYS)
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    assert not [op for op in ops if op.startswith("Flex") or op == "CUSTOM"], ops
    x = parity_rows()[:3].copy()
    x[0, 5] = np.nan
    out = interpreter.get_signature_runner("score")(features=x)
    np.testing.assert_array_equal(out["valid"], [False, True, True])
    np.testing.assert_array_equal(out["is_anomaly"][0], True)
    assert np.isfinite(out["score"][1:]).all()


def test_tflite_refuses_wrong_width(exported):
    runner = Interpreter(model_path=exported[1].tflite_files["none"]).get_signature_runner("score")
    # The input spec a client can check before invoking (documented in the README).
    assert list(runner.get_input_details()["features"]["shape_signature"]) == [-1, N_FEATURES]
    with pytest.raises(RuntimeError, match="failed to prepare"):
        runner(features=np.zeros((2, N_FEATURES + 1), np.float32))


def test_metadata_travels_with_every_file(exported):
    model, result = exported
    with open(os.path.join(result.saved_model_dir, "metadata.json")) as f:
        beside = json.load(f)
    with open(os.path.join(result.saved_model_dir, "assets", "metadata.json")) as f:
        assert json.load(f) == beside
    assert beside["threshold"] == pytest.approx(model.threshold_value())
    assert beside["feature_names"] == model.feature_names and beside["input_width"] == N_FEATURES
    scaler = model.preprocessor
    assert beside["training_data"]["feature_center"] == pytest.approx(scaler.center)
    assert beside["training_data"]["feature_scale"] == pytest.approx(scaler.scale)
    assert beside["training_data"]["tail_knee"] == scaler.knee == 3.0
    for quantize, path in result.tflite_files.items():
        embedded = read_metadata(path)
        assert embedded["tflite_quantization"] == quantize
        assert embedded["threshold"] == beside["threshold"]
        with open(path[: -len(".tflite")] + ".json") as f:
            assert json.load(f) == embedded


def test_one_served_order_for_the_export_and_tfvae_score(exported):
    # metadata.json's lists give Beam its output columns: the order `tfvae score` writes.
    from tfvae.scoring.tables import OUTPUT_SCHEMA

    lists = exported[1].metadata["signatures"]
    assert lists["score"] == lists["serving_default"] == list(serving.SERVED_OUTPUTS)
    assert OUTPUT_SCHEMA.names == ["line", *serving.SERVED_OUTPUTS, "error"]

import json

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from helpers import config_round_trip, keras_round_trip
from table_helpers import mixed_frame

from tfvae.models import VAE, DenseDecoder, DenseEncoder
from tfvae.preprocessing import TabularPreprocessor, to_columns


def test_from_dataframe_infers_kinds_and_statistics():
    frame = mixed_frame()
    pre = TabularPreprocessor.from_dataframe(frame)
    spec = {c["name"]: c for c in pre.feature_spec()["columns"]}
    assert spec["protocol"]["kind"] == "categorical"
    assert set(spec["protocol"]["vocabulary"]) == {"tcp", "udp", "icmp", ""}
    assert spec["bytes"]["log"] and not spec["duration"]["log"]
    assert spec["temperature"]["missing_indicator"] and not spec["duration"]["missing_indicator"]
    assert spec["duration"]["mean"] == pytest.approx(frame["duration"].mean(), rel=1e-6)
    json.dumps(pre.feature_spec())  # JSON-ready


def test_encoding_standardizes_one_hots_and_imputes():
    frame = mixed_frame()
    pre = TabularPreprocessor.from_dataframe(frame)
    encoded = pre(to_columns(frame, pre)).numpy()
    assert encoded.shape == (len(frame), pre.output_dim)
    groups = dict(pre.feature_groups())
    duration = encoded[:, groups["duration"][0]]
    assert abs(duration.mean()) < 1e-4 and duration.std() == pytest.approx(1.0, rel=1e-3)
    one_hot = encoded[:, groups["protocol"]]
    np.testing.assert_array_equal(one_hot.sum(axis=1), 1.0)
    value, indicator = groups["temperature"]
    missing = frame["temperature"].isna().to_numpy()
    np.testing.assert_array_equal(encoded[:, indicator], missing.astype("float32"))
    assert np.isfinite(encoded).all()
    np.testing.assert_allclose(encoded[missing, value], 0.0, atol=1e-5)


def test_unknown_category_goes_to_oov_slot():
    pre = TabularPreprocessor.from_dataframe(mixed_frame())
    row = mixed_frame(1, seed=3).assign(protocol=["quic"])
    encoded = pre(to_columns(row, pre)).numpy()
    oov = dict(pre.feature_groups())["protocol"][0]
    assert encoded[0, oov] == 1.0


def test_nan_in_column_without_indicator_stays_nan():
    pre = TabularPreprocessor.from_dataframe(mixed_frame())
    row = mixed_frame(1, seed=3).assign(duration=[np.nan])
    encoded = pre(to_columns(row, pre)).numpy()
    assert np.isnan(encoded[0, dict(pre.feature_groups())["duration"][0]])


def test_input_signature_and_errors_name_the_column():
    pre = TabularPreprocessor.from_dataframe(mixed_frame())
    signature = pre.input_signature()
    assert signature["protocol"].dtype == tf.string and signature["bytes"].dtype == tf.float32
    assert signature["bytes"].name == "bytes"
    columns = to_columns(mixed_frame(5), pre)
    with pytest.raises(ValueError, match="protocol"):
        pre({k: v for k, v in columns.items() if k != "protocol"})
    with pytest.raises(ValueError, match="dtype changed"):
        pre({**columns, "bytes": columns["protocol"]})


def test_overrides_and_bad_overrides():
    frame = pd.DataFrame({"port": [80, 443, 80, 22], "x": [1.0, 2.0, 3.0, 4.0]})
    pre = TabularPreprocessor.from_dataframe(frame.astype({"port": str}), categorical=["port"])
    assert pre.columns[0]["kind"] == "categorical"
    with pytest.raises(ValueError, match="nope"):
        TabularPreprocessor.from_dataframe(frame, categorical=["nope"])
    with pytest.raises(ValueError, match="empty"):
        TabularPreprocessor.from_dataframe(frame.iloc[:0])


def test_config_round_trip():
    pre = TabularPreprocessor.from_dataframe(mixed_frame())
    clone = config_round_trip(pre)
    columns = to_columns(mixed_frame(20, seed=1), pre)
    np.testing.assert_allclose(clone(columns).numpy(), pre(columns).numpy())


def test_vae_with_preprocessor_survives_keras_round_trip(tmp_path):
    frame = mixed_frame()
    pre = TabularPreprocessor.from_dataframe(frame)
    vae = VAE(DenseEncoder(2, [8]), DenseDecoder(pre.output_dim, [8]), preprocessor=pre, seed=1)
    vae.compile(optimizer="adam")
    columns = to_columns(frame, pre)
    vae.fit(tf.data.Dataset.from_tensor_slices(columns).batch(50), epochs=1, verbose=0)
    from tfvae.scoring.scores import score_in_batches

    before = score_in_batches(vae, columns, keys=("score",))["score"]
    loaded = keras_round_trip(vae, tmp_path / "vae.keras")
    after = score_in_batches(loaded, columns, keys=("score",))["score"]
    np.testing.assert_allclose(after, before, rtol=1e-5)
    assert loaded.preprocessor.feature_spec() == pre.feature_spec()


def test_save_feature_spec_writes_json(tmp_path):
    pre = TabularPreprocessor.from_dataframe(mixed_frame())
    path = pre.save_feature_spec(tmp_path / "features.json")
    assert json.loads(open(path).read())["columns"][1]["name"] == "bytes"


def test_saved_model_signature_from_input_signature_scores_raw_columns(tmp_path):
    frame = mixed_frame()
    pre = TabularPreprocessor.from_dataframe(frame)
    vae = VAE(DenseEncoder(2, [8]), DenseDecoder(pre.output_dim, [8]), preprocessor=pre, seed=1)
    columns = to_columns(frame.iloc[:7], pre)
    from tfvae.scoring.scores import anomaly_scores

    expected = anomaly_scores(vae, columns)["score"].numpy()
    module = tf.Module()
    module.vae = vae
    module.score_raw = tf.function(
        lambda batch: {"score": anomaly_scores(vae, batch)["score"]},
        input_signature=[pre.input_signature()],
    )
    tf.saved_model.save(module, str(tmp_path / "sm"), signatures={"score_raw": module.score_raw})
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    out = loaded.signatures["score_raw"](**{k: tf.constant(v) for k, v in columns.items()})
    np.testing.assert_allclose(out["score"].numpy(), expected, rtol=1e-5)


def test_to_columns_takes_frames_and_names_what_else_to_do(tmp_path):
    frame = mixed_frame(5)
    pre = TabularPreprocessor.from_dataframe(frame)
    with pytest.raises(ValueError, match="read files with `tfvae.data.read_table`"):
        to_columns(str(tmp_path / "rows.csv"), pre)
    with pytest.raises(ValueError, match="`X` is empty"):
        to_columns(frame.iloc[:0], pre)

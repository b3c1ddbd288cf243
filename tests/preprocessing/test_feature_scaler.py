import keras
import numpy as np
import pytest
from helpers import config_round_trip

from tfvae.preprocessing import FeatureScaler
from tfvae.preprocessing.feature_scaler import input_values, scaler_for, scaling_metadata


def test_standardises_then_compresses_the_tail_monotonically():
    scaler = FeatureScaler(center=[1.0], scale=[2.0], knee=3.0)
    x = np.array([[1.0], [5.0], [7.0], [9.0], [1e9], [-1e9]], "float32")
    z = scaler(x).numpy()[:, 0]
    np.testing.assert_allclose(z[:3], [0.0, 2.0, 3.0], atol=1e-6)  # linear up to the knee
    np.testing.assert_allclose(z[3], 3.0 + np.log1p(1.0), rtol=1e-6)
    assert z[4] > z[3] and z[4] < 30 and z[5] == -z[4]
    plain = FeatureScaler(center=[1.0], scale=[2.0])
    np.testing.assert_allclose(plain(x).numpy()[:4, 0], [0.0, 2.0, 3.0, 4.0])
    assert config_round_trip(scaler).knee == 3.0


def test_from_data_robust_ignores_outliers_and_constant_columns():
    rng = np.random.default_rng(0)
    x = np.c_[rng.normal(5.0, 2.0, 10_000), np.zeros(10_000)]
    x[:100, 0] = 1e6  # 1% gross outliers
    robust = FeatureScaler.from_data(x, robust=True)
    assert abs(robust.center[0] - 5.0) < 0.1 and abs(robust.scale[0] - 2.0) < 0.1
    assert robust.center[1] == 0.0 and robust.scale[1] == 1.0
    assert FeatureScaler.from_data(x).scale[0] > 1e4  # mean/std are dragged by the outliers


def test_robust_scale_falls_back_to_the_standard_deviation():
    x = np.zeros((1000, 1))
    x[:5, 0] = 1e8  # IQR 0, a few huge values
    scaler = FeatureScaler.from_data(x, robust=True)
    assert scaler.center[0] == 0.0 and scaler.scale[0] == pytest.approx(x[:, 0].std())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(center=[0.0], scale=[0.0]), "scale"),
        (dict(center=[0.0], scale=[1.0], knee=-1), "knee"),
        (dict(center=[0.0, 1.0], scale=[1.0]), "same non-zero length"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FeatureScaler(**kwargs)


def test_inverse_recovers_raw_values_beyond_the_knee():
    scaler = FeatureScaler(center=[1.0, -2.0], scale=[2.0, 0.5], knee=3.0)
    x = np.array([[1.0, -2.0], [40.0, 5.0], [-1e4, -30.0]], "float32")
    np.testing.assert_allclose(scaler.inverse(scaler(x).numpy()), x, rtol=1e-4)


def test_a_keras_file_saved_before_the_statistics_were_weights_still_loads(tmp_path):
    # Older `.keras` files hold no variables for the scaler: its config has the statistics.
    import io
    import zipfile

    import h5py

    from tfvae.detectors import VAEDetector
    from tfvae.saving import load_keras
    from tfvae.scoring.scores import anomaly_scores

    x = np.random.default_rng(0).lognormal(size=(200, 4)).astype("float32")
    model = VAEDetector(epochs=1, members=1).fit(x).model_
    model.save(tmp_path / "new.keras")
    with zipfile.ZipFile(tmp_path / "new.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    weights = io.BytesIO(members["model.weights.h5"])
    with h5py.File(weights, "r+") as store:
        for name in list(store["layers/feature_scaler/vars"]):
            del store[f"layers/feature_scaler/vars/{name}"]
    members["model.weights.h5"] = weights.getvalue()
    with zipfile.ZipFile(tmp_path / "old.keras", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    old = load_keras(tmp_path / "old.keras")
    scores = [anomaly_scores(m, x)["score"].numpy() for m in (old, model)]
    np.testing.assert_allclose(scores[0], scores[1], rtol=1e-6, atol=1e-6)


def test_scaler_for_is_the_one_setup_of_every_scaler():
    x = np.random.default_rng(0).lognormal(size=(200, 3))
    robust = scaler_for(x, "robust", tail_knee=3.0)
    assert robust.name == "standardize" and robust.knee == 3.0
    np.testing.assert_allclose(robust.center, np.median(x, axis=0))
    assert scaler_for(x, "auto", 3.0).get_config() == robust.get_config()  # tfvae train's name
    plain = scaler_for(x, True)
    np.testing.assert_allclose(plain.center, x.mean(axis=0))
    np.testing.assert_allclose(plain.scale, x.std(axis=0))
    assert plain.knee is None
    assert scaler_for(x, False) is None and scaler_for(x, None) is None
    with pytest.raises(ValueError, match="Received: standardize='minmax'"):
        scaler_for(x, "minmax")


def test_scaling_metadata_records_either_scaler_and_input_values_inverts_it():
    x = np.random.default_rng(1).normal(5.0, 2.0, size=(100, 2)).astype("float32")
    scaler = scaler_for(x, True, tail_knee=2.0)
    assert scaling_metadata(scaler) == {
        "feature_center": scaler.center,
        "feature_scale": scaler.scale,
        "tail_knee": 2.0,
    }
    legacy = keras.layers.Normalization(axis=-1)
    legacy.adapt(x)
    found = scaling_metadata(legacy)
    np.testing.assert_allclose(found["feature_mean"], x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(found["feature_std"], x.std(axis=0), rtol=1e-4)
    assert scaling_metadata(None) == {} and scaling_metadata(keras.layers.Rescaling(0.5)) == {}
    for layer in (scaler, legacy):
        np.testing.assert_allclose(input_values(layer, layer(x).numpy()), x, rtol=1e-4)
    with pytest.raises(ValueError, match="Rescaling"):
        input_values(keras.layers.Rescaling(0.5), x)

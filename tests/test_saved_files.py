"""Files saved by an earlier tfvae still load (Keras `safe_mode`) and score as they did.

The `.keras` files in `tests/fixtures/saved/` were written once by
`tests/fixtures/saved/make_saved.py` and are never regenerated to make this test pass: a
change of a registered name, a config key or a layer layout that old files depend on
fails here. Cases: the default `VAEDetector` (FeatureScaler, ensemble, neighbour bank), a
non-variational one, a `TabularVAEDetector` (TabularPreprocessor), a table `GANDetector`
(its legacy `Normalization` layer), an image `GANDetector` (conv parts), and the dense and
conv models `tfvae train` builds.
"""

import pathlib

import numpy as np
import pandas as pd
import pytest

from tfvae.detectors import GANDetector, TabularVAEDetector, VAEDetector
from tfvae.saving import load_keras
from tfvae.scoring.scores import score_in_batches

SAVED = pathlib.Path(__file__).parent / "fixtures" / "saved"
DETECTORS = {
    "vae_detector": VAEDetector,
    "autoencoder_detector": VAEDetector,
    "tabular_vae_detector": TabularVAEDetector,
    "gan_table": GANDetector,
    "gan_images": GANDetector,
}
RUN_MODELS = ("train_dense", "train_conv")


@pytest.fixture(scope="module")
def recorded():
    with np.load(SAVED / "inputs.npz") as inputs, np.load(SAVED / "scores.npz") as scores:
        return dict(inputs), dict(scores)


def _inputs(inputs, name):
    if name in inputs:
        return inputs[name]
    prefix = f"{name}/"
    return pd.DataFrame({k[len(prefix) :]: v for k, v in inputs.items() if k.startswith(prefix)})


def _expected(scores, name):
    prefix = f"{name}/"
    return {
        key[len(prefix) :]: value
        for key, value in scores.items()
        if key.startswith(prefix) and key.count("/") == 1
    }


def _assert_scores_equal(found, expected):
    assert set(expected) <= set(found)
    for key, values in expected.items():
        got = np.asarray(found[key])
        if values.dtype == bool:
            np.testing.assert_array_equal(got, values, err_msg=key)
        else:
            np.testing.assert_allclose(got, values, rtol=1e-5, atol=1e-5, err_msg=key)


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_saved_detector_loads_and_scores_as_recorded(recorded, name):
    inputs, scores = recorded
    detector = DETECTORS[name].load(SAVED / f"{name}.keras")
    expected = _expected(scores, name)
    assert len(expected) >= 4
    _assert_scores_equal(detector.score_details(_inputs(inputs, name)), expected)
    assert len(detector.decision_scores_) > 0 and np.isfinite(detector.threshold_)


@pytest.mark.parametrize("name", RUN_MODELS)
def test_saved_run_model_loads_and_scores_as_recorded(recorded, name):
    inputs, scores = recorded
    model = load_keras(SAVED / f"{name}.keras")
    expected = _expected(scores, name)
    _assert_scores_equal(score_in_batches(model, inputs[name], keys=tuple(expected)), expected)


def test_old_gan_file_metadata_keeps_its_scaler_statistics(recorded):
    from tfvae.export.metadata import build_metadata

    _, scores = recorded
    model = GANDetector.load(SAVED / "gan_table.keras").model_
    summary = build_metadata(model, 1.0, "fixture", ["score"])["training_data"]
    for key in ("feature_mean", "feature_std"):
        np.testing.assert_allclose(summary[key], scores[f"gan_table/metadata/{key}"], rtol=1e-6)

"""The serving vocabulary: one set of names, consistent with itself, readable without TF."""

import subprocess
import sys
import types

import numpy as np
import pytest

from tfvae import serving
from tfvae.column_kinds import CATEGORICAL, NUMERIC
from tfvae.serving import ModelInputs


def test_the_signature_names_fit_together():
    signatures = serving.FEATURE_SIGNATURES
    assert signatures["serving_default"] == signatures[serving.SCORE_SIGNATURE]
    assert serving.FEATURE_ERRORS_SIGNATURE in signatures
    assert serving.RAW_SIGNATURE not in signatures  # it takes raw columns, not `features`
    # The converter keeps only `serve` when a signature has that name.
    assert set(serving.TFLITE_SIGNATURES) <= set(signatures) and "serve" not in signatures
    assert "score" in serving.SERVED_OUTPUTS and len(set(serving.SERVED_OUTPUTS)) == 5


def test_every_vae_score_but_the_neighbour_distance_names_its_error_terms():
    from tfvae.score_names import VAE_SCORES

    assert set(VAE_SCORES) - {"neighbour_distance"} <= set(serving.OUTPUT_TERMS)
    terms = {term for needed in serving.OUTPUT_TERMS.values() for term in needed}
    assert terms == {"nll", "mse", "mae", "kl", "valid"}  # what tfvae.scoring.error_terms computes


def test_a_model_may_name_its_own_signatures():
    gan = types.SimpleNamespace(export_signatures={"score": ("score", "is_anomaly")})
    assert serving.feature_signatures(gan) == {"score": ("score", "is_anomaly")}
    plain = serving.feature_signatures(types.SimpleNamespace())
    assert plain == serving.FEATURE_SIGNATURES and plain is not serving.FEATURE_SIGNATURES
    assert serving.raw_input_signature(types.SimpleNamespace(preprocessor=None)) is None
    with pytest.raises(ValueError, match="not built"):
        serving.feature_shape(types.SimpleNamespace(built=False))


DECISIONS = ("is_anomaly", "valid")


def test_gan_signatures_serve_gan_scores_and_none_of_its_absent_outputs():
    from tfvae.score_names import GAN_SCORE_NAMES, GAN_SCORE_OUTPUTS, GAN_SCORES

    assert set(serving.GAN_SIGNATURES) == set(serving.FEATURE_SIGNATURES)
    served = serving.GAN_SIGNATURES[serving.SCORE_SIGNATURE]
    assert {"score", "is_anomaly", "valid"} <= set(served) <= {*GAN_SCORE_OUTPUTS, *DECISIONS}
    assert set(GAN_SCORES) == set(GAN_SCORE_NAMES) <= set(GAN_SCORE_OUTPUTS)
    outputs = {key for keys in serving.GAN_SIGNATURES.values() for key in keys}
    assert not outputs & set(serving.ABSENT_OUTPUTS)


def test_model_inputs_of_an_export_read_the_columns_by_name():
    raw = ModelInputs.from_metadata({"raw_inputs": {"proto": "string", "bytes": "float32"}})
    assert raw.raw and raw.names == ("proto", "bytes") and raw.width == 2
    assert raw.kinds == (CATEGORICAL, NUMERIC)
    numeric = ModelInputs.from_metadata({"feature_names": ["a", "b"], "input_shape": [None, 2]})
    header = ["b", "a", "label"]
    assert [spec["name"] for spec in numeric.specs(header)] == ["a", "b"]
    assert numeric.ignored(header) == ["label"]
    rows = numeric.batch(
        {"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}, numeric.specs(header)
    )
    assert rows.dtype == np.float32 and rows.tolist() == [[1, 3], [2, 4]]
    with pytest.raises(ValueError, match=r"missing column\(s\) \['b'\]"):
        numeric.specs(["a"])
    # Names that do not match the width (image pixels) are not columns.
    pixels = ModelInputs.from_metadata({"feature_names": ["x"], "input_shape": [None, 2, 2]})
    assert pixels.names is None and pixels.width == 4
    with pytest.raises(ValueError, match="takes 4 numeric columns"):
        pixels.specs(["a", "b"])


def test_importing_the_vocabulary_imports_neither_numpy_nor_tensorflow():
    code = (
        "import sys\n"
        "sys.argv = ['tfvae']  # as the console script starts\n"
        "import tfvae.serving\n"
        "assert not {'numpy', 'pandas', 'tensorflow'} & set(sys.modules), sorted(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]

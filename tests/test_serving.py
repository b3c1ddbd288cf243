"""The serving vocabulary: one set of names, consistent with itself, readable without TF."""

import subprocess
import sys
import types

import pytest

from tfvae import serving


def test_the_signature_names_fit_together():
    signatures = serving.FEATURE_SIGNATURES
    assert signatures["serving_default"] == signatures[serving.SCORE_SIGNATURE]
    assert serving.FEATURE_ERRORS_SIGNATURE in signatures
    assert serving.RAW_SIGNATURE not in signatures  # it takes raw columns, not `features`
    # The converter keeps only `serve` when a signature has that name.
    assert set(serving.TFLITE_SIGNATURES) <= set(signatures) and "serve" not in signatures
    assert "score" in serving.SERVED_OUTPUTS and len(set(serving.SERVED_OUTPUTS)) == 5


def test_a_model_may_name_its_own_signatures():
    gan = types.SimpleNamespace(export_signatures={"score": ("score", "is_anomaly")})
    assert serving.feature_signatures(gan) == {"score": ("score", "is_anomaly")}
    plain = serving.feature_signatures(types.SimpleNamespace())
    assert plain == serving.FEATURE_SIGNATURES and plain is not serving.FEATURE_SIGNATURES
    assert serving.raw_input_signature(types.SimpleNamespace(preprocessor=None)) is None
    with pytest.raises(ValueError, match="not built"):
        serving.feature_shape(types.SimpleNamespace(built=False))


def test_importing_the_vocabulary_imports_neither_numpy_nor_tensorflow():
    code = (
        "import sys\n"
        "sys.argv = ['tfvae']  # as the console script starts\n"
        "import tfvae.serving\n"
        "assert not {'numpy', 'pandas', 'tensorflow'} & set(sys.modules), sorted(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]

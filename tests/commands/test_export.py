"""`tfvae demo` exports; `tfvae export` re-exports the demo model with another threshold."""

import json
import os

import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from tfvae.commands.main import main


def test_demo_exports_and_cli_reexports(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--epochs", "1"]) == 0
    printed = capsys.readouterr().out
    assert (
        "SavedModel signatures: serving_default, score, feature_errors, encode, reconstruct"
        in printed
    )
    assert "TFLite signatures: score, feature_errors, encode, reconstruct" in printed
    version_dir = out / "export" / "breast_cancer" / "1"
    assert (version_dir / "saved_model.pb").exists() and str(
        version_dir / "tflite" / "breast_cancer.float32.tflite"
    ) in printed
    with open(version_dir / "metadata.json") as f:
        assert json.load(f)["threshold_calibration"]["percentile"] == 99.0

    args = [
        "export",
        "--model",
        str(out / "model.keras"),
        "--out",
        str(out / "export"),
        "--name",
        "breast_cancer",
        "--threshold",
        "1e9",
        "--quantize",
        "none,dynamic",
    ]
    assert main(args) == 0
    assert "Exported version 2" in capsys.readouterr().out
    loaded = tf.saved_model.load(str(out / "export" / "breast_cancer" / "2"))
    assert float(loaded.threshold.numpy()) == 1e9
    interpreter = Interpreter(
        model_path=str(
            out / "export" / "breast_cancer" / "2" / "tflite" / "breast_cancer.dynamic.tflite"
        )
    )
    assert "score" in interpreter.get_signature_list()

    assert main(args + ["--version", "2"]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert sorted(os.listdir(out / "export" / "breast_cancer")) == ["1", "2"]

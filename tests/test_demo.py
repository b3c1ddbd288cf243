import json

import keras

from tfvae.cli import main


def test_demo_cli_trains_reports_and_saves(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--epochs", "30"]) == 0
    out = capsys.readouterr().out
    assert "auroc" in out and "model.keras" in out
    report = json.loads((tmp_path / "metrics.json").read_text())
    assert report["metrics"]["auroc"] > 0.85
    model = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert model.threshold_value() == report["metrics"]["threshold"]


def test_cli_without_a_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out

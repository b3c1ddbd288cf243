import json

import keras
import pytest

from tfvae.commands.main import main


def test_demo_cli_trains_reports_and_saves(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--epochs", "30"]) == 0
    out = capsys.readouterr().out
    assert "auroc" in out and "model.keras" in out
    # Not a terminal: one plain progress line per epoch, no ANSI codes, no rewritten lines.
    assert "\x1b" not in out and "\b" not in out and "\r" not in out
    epochs = [line for line in out.splitlines() if line.startswith("Epoch ")]
    assert epochs and len(epochs) == len(set(epochs))
    assert sum(" - loss: " in line for line in out.splitlines()) == len(epochs)
    report = json.loads((tmp_path / "metrics.json").read_text())
    assert report["metrics"]["auroc"] > 0.85
    model = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert model.threshold_value() == report["metrics"]["threshold"]
    # The README's next step: evaluate the saved model on the held-out rows it wrote.
    eval_dir = tmp_path / "eval"
    args = [
        "evaluate",
        "--model",
        str(tmp_path / "model.keras"),
        "--data",
        str(tmp_path / "test.csv"),
        "--labels",
        "is_anomaly",
        "--out",
        str(eval_dir),
    ]
    assert main(args) == 0
    evaluated = json.loads((eval_dir / "metrics.json").read_text())
    assert evaluated["metrics"]["auroc"] == pytest.approx(report["metrics"]["auroc"], abs=1e-6)
    # Reruns refuse to replace the results (before any work) unless --overwrite is given.
    kept = {
        p: p.read_bytes()
        for p in [
            tmp_path / "metrics.json",
            eval_dir / "metrics.json",
            eval_dir / "report.md",
            tmp_path / "model.keras",
        ]
    }
    capsys.readouterr()
    assert main(["demo", "--out", str(tmp_path), "--epochs", "1"]) == 2
    assert "model.keras, test.csv, metrics.json; pass --overwrite" in capsys.readouterr().err
    assert main(args) == 2
    assert "metrics.json, report.md" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in kept} == kept
    assert main(args + ["--overwrite", "--no-plots"]) == 0
    capsys.readouterr()
    assert main(["demo", "--out", str(tmp_path), "--epochs", "2", "--overwrite", "--quiet"]) == 0
    quiet = capsys.readouterr().out
    assert "Epoch" not in quiet and " - loss: " not in quiet and "auroc" in quiet


def test_cli_without_a_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out

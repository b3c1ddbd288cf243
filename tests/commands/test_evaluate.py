import json

import pandas as pd
import pytest
from helpers import with_anomalies

from tfvae import VAEDetector
from tfvae.commands.main import main
from tfvae.evaluation import evaluate
from tfvae.extras import MissingExtraError


def test_evaluate_command_on_csv(tmp_path, capsys):
    x_train, x_test, y_test = with_anomalies(n_normal=200, n_anomalies=20, n_features=4)
    columns = [f"f{i}" for i in range(4)]
    detector = VAEDetector(latent_dim=2, hidden_units=(8,), epochs=5, seed=0)
    detector.fit(pd.DataFrame(x_train, columns=columns))
    model = detector.save(tmp_path / "model.keras")
    # Columns in another order plus the label: the model's names select its features.
    frame = pd.DataFrame(x_test, columns=columns)[columns[::-1]].assign(anomaly=y_test)
    frame.to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / "eval"
    code = main(
        [
            "evaluate",
            "--model",
            model,
            "--data",
            str(tmp_path / "test.csv"),
            "--labels",
            "anomaly",
            "--out",
            str(out),
            "--no-plots",
        ]
    )
    assert code == 0
    saved = json.loads((out / "metrics.json").read_text())
    expected = detector.score_samples(pd.DataFrame(x_test, columns=columns))
    assert saved["metrics"]["n_anomalies"] == 20
    assert saved["metrics"]["confusion_matrix"]["tp"] + saved["metrics"]["confusion_matrix"][
        "fp"
    ] == int((expected > detector.threshold_).sum())
    assert "auroc" in capsys.readouterr().out


def test_evaluate_command_errors(tmp_path, capsys):
    pd.DataFrame({"a": [1.0]}).to_csv(tmp_path / "d.csv", index=False)
    code = main(
        [
            "evaluate",
            "--model",
            str(tmp_path / "none.keras"),
            "--data",
            str(tmp_path / "d.csv"),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert "No model file" in capsys.readouterr().err


def test_missing_plots_extra_is_a_usage_error_before_any_work(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what `import` sees when it is absent
    out = tmp_path / "eval"
    # The model and data do not even exist: the extra is checked before reading them.
    argv = ["evaluate", "--model", "absent.keras", "--data", "absent.csv", "--out", str(out)]
    assert main(argv) == 2
    assert "pip install 'tfvae[plots]'" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(MissingExtraError, match="plots=False"):
        evaluate(None, None, out_dir=str(out))
    assert not out.exists()

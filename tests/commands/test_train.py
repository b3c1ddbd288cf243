import json

from tfvae.commands.main import main
from tfvae.training.config import to_dict


def _config_file(tmp_path, config):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(to_dict(config)))
    return str(path)


def test_train_command_with_overrides_jit_and_steps_per_execution(tiny, tmp_path, capsys):
    path = _config_file(tmp_path, tiny(training={"verbose": 2}))
    out = tmp_path / "run"
    argv = [
        "train",
        "--config",
        path,
        "--out",
        str(out),
        "--epochs",
        "1",
        "--jit-compile",
        "--steps-per-execution",
        "2",
        "--set",
        "model.latent_dim=3",
        "--quiet",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Trained 1 epochs" in printed and "Epoch 1/1" not in printed  # --quiet: no progress
    resolved = json.loads((out / "config.json").read_text())
    assert resolved["training"]["verbose"] == 0
    assert resolved["training"]["epochs"] == 1 and resolved["training"]["jit_compile"] is True
    assert resolved["training"]["steps_per_execution"] == 2 and resolved["model"]["latent_dim"] == 3
    assert main(argv) == 2  # a finished run is kept
    assert "--overwrite" in capsys.readouterr().err


def test_config_typo_is_reported_before_training(tiny, tmp_path, capsys):
    path = _config_file(tmp_path, tiny())
    out = tmp_path / "run"
    assert main(["train", "--config", path, "--out", str(out), "--set", "training.epoch=3"]) == 2
    assert "Unknown key `training.epoch`" in capsys.readouterr().err
    assert (
        main(["train", "--config", path, "--out", str(out), "--data", str(tmp_path / "no.npz")])
        == 2
    )
    assert "no.npz" in capsys.readouterr().err
    assert not out.exists()


def test_per_replica_batch_size_flag_replaces_the_global_one(tiny, tmp_path):
    path = _config_file(tmp_path, tiny())
    out = tmp_path / "run"
    argv = [
        "train",
        "--config",
        path,
        "--out",
        str(out),
        "--epochs",
        "1",
        "--strategy",
        "mirrored",
        "--per-replica-batch-size",
        "8",
    ]
    assert main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["global_batch_size"] == 16

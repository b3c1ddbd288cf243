"""Ctrl-C during `tfvae export`: the exit status says whether a version was published."""

from tfvae.commands.main import main
from tfvae.export import api


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def test_interrupt_before_publishing_exits_130_and_publishes_nothing(
    trained_vae, tmp_path, monkeypatch, capsys
):
    model = trained_vae.save(tmp_path / "m.keras") or str(tmp_path / "m.keras")
    monkeypatch.setattr(api, "_write_savedmodel", _interrupt)
    args = ["export", "--model", model, "--out", str(tmp_path / "exp"), "--formats", "savedmodel"]
    assert main(args) == 130
    assert "nothing was published" in capsys.readouterr().err
    assert not (tmp_path / "exp").exists()  # nor the folders it created


def test_interrupt_after_publishing_reports_the_version_and_exits_0(
    trained_vae, tmp_path, monkeypatch, capsys
):
    model = trained_vae.save(tmp_path / "m.keras") or str(tmp_path / "m.keras")
    monkeypatch.setattr(api, "_savedmodel_size", _interrupt)  # runs after the rename
    args = ["export", "--model", model, "--out", str(tmp_path / "exp"), "--formats", "savedmodel"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "Exported version 1" in captured.out and "was published" in captured.err
    assert (tmp_path / "exp" / "model" / "1" / "saved_model.pb").exists()

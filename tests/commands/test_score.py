import pandas as pd
from table_helpers import mixed_frame

from tfvae.commands.main import main
from tfvae.detectors import TabularVAEDetector


def test_score_command_writes_scores_and_flags_bad_rows(tmp_path, capsys):
    frame = mixed_frame(120)
    detector = TabularVAEDetector(epochs=1, hidden_units=(8,), latent_dim=2).fit(frame)
    model = detector.save(tmp_path / "m.keras")
    good = tmp_path / "good.csv"
    frame.iloc[:30].to_csv(good, index=False)
    assert main(["score", model, str(good), "--output", str(tmp_path / "s.csv")]) == 0
    scores = pd.read_csv(tmp_path / "s.csv")
    assert len(scores) == 30 and scores["is_anomaly"].isin([0, 1]).all()
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text() + "1,2\n")
    assert main(["score", model, str(bad), "--output", str(tmp_path / "b.csv")]) == 1
    assert "line 32" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["score", model, str(empty), "--output", str(tmp_path / "e.csv")]) == 2
    assert "empty" in capsys.readouterr().err


def test_score_command_takes_a_numeric_model_like_the_demo(tmp_path, capsys):
    from helpers import gaussian_blobs

    from tfvae.detectors import VAEDetector

    x = pd.DataFrame(gaussian_blobs(200, 5), columns=[f"f{i}" for i in range(5)])
    model = VAEDetector(epochs=1, hidden_units=(8,), latent_dim=2).fit(x).save(tmp_path / "m.keras")
    x.assign(is_anomaly=0).to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / "s.parquet"
    assert main(["score", model, str(tmp_path / "test.csv"), "--output", str(out)]) == 0
    assert len(pd.read_parquet(out)) == 200
    assert main(["score", model, str(tmp_path / "test.csv"), "--output", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (
        main(["score", model, str(tmp_path / "test.csv"), "--output", str(out), "--overwrite"]) == 0
    )


def test_score_refuses_to_replace_files_before_scoring(tmp_path, capsys):
    frame = mixed_frame(60)
    model = (
        TabularVAEDetector(epochs=1, hidden_units=(8,), latent_dim=2)
        .fit(frame)
        .save(tmp_path / "m.keras")
    )
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    original = data.read_bytes()
    # Output = input: refused even with --overwrite (the data would become scores).
    assert main(["score", model, str(data), "--output", str(data), "--overwrite"]) == 2
    assert "is the input" in capsys.readouterr().err and data.read_bytes() == original
    existing = tmp_path / "scores.csv"
    existing.write_text("keep me\n")
    assert main(["score", model, str(data), "--output", str(existing)]) == 2
    assert "--overwrite" in capsys.readouterr().err and existing.read_text() == "keep me\n"
    assert main(["score", model, str(data), "--output", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["score", model, str(data), "--output", str(existing), "--overwrite"]) == 0
    assert len(pd.read_csv(existing)) == 60

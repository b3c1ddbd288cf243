"""Every bad input of issue #13 through the CLI: exit 2, one line naming the problem, no traceback."""

import gzip
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
from table_helpers import kdd_file, mixed_frame

from tfvae import TabularVAEDetector, VAEDetector
from tfvae.commands.main import main


@pytest.fixture(scope="module")
def raw_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    frame = mixed_frame(120)
    detector = TabularVAEDetector(epochs=1, hidden_units=(8,), latent_dim=2).fit(frame)
    return detector.save(folder / "raw.keras"), frame


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _one_error_line(capsys, *needles):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def _evaluate(model, data, out, *extra):
    return main(
        [
            "evaluate",
            "--model",
            str(model),
            "--data",
            str(data),
            "--out",
            str(out),
            "--no-plots",
            *extra,
        ]
    )


def test_bad_data_files_through_evaluate(raw_model, tmp_path, capsys):
    model, frame = raw_model
    numeric = frame.select_dtypes("number")
    cases = {}
    gz = tmp_path / "trunc.csv.gz"
    with gzip.open(gz, "wt") as f:
        f.write(numeric.to_csv(index=False))
    cases[_truncate(gz)] = ("trunc.csv.gz", "gzip")
    npz = tmp_path / "trunc.npz"
    np.savez(npz, X=np.zeros((500, 4)))
    cases[_truncate(npz)] = ("trunc.npz", "truncated")
    parquet = tmp_path / "table.npz"
    numeric.to_parquet(parquet)
    cases[parquet] = ("table.npz", "Parquet")
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b,c\n")
    cases[header_only] = ("header.csv", "no rows")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    cases[ragged] = ("ragged.csv", "line 3 has 2 fields")
    for path, needles in cases.items():
        assert _evaluate(model, path, tmp_path / "out") == 2, path
        _one_error_line(capsys, *needles)
    assert not (tmp_path / "out").exists()


def test_bad_model_files(raw_model, tmp_path, capsys):
    model, frame = raw_model
    data = tmp_path / "data.csv"
    frame.select_dtypes("number").dropna().to_csv(data, index=False)
    not_zip = tmp_path / "notzip.keras"
    not_zip.write_text("hello")
    truncated = tmp_path / "trunc.keras"
    truncated.write_bytes(open(model, "rb").read()[:2000])
    evil = tmp_path / "evil.keras"
    with zipfile.ZipFile(model) as source, zipfile.ZipFile(evil, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "config.json":
                content = content.replace(b'"tfvae>VAE"', b'"evil>Payload"')
            target.writestr(item, content)
    for path, needle in [
        (not_zip, "not a `.keras` model file"),
        (truncated, "not a `.keras` model file"),
        (evil, "evil>Payload"),
    ]:
        assert _evaluate(path, data, tmp_path / "out") == 2
        _one_error_line(capsys, path.name, needle)
        assert main(["export", "--model", str(path), "--out", str(tmp_path / "exp")]) == 2
        _one_error_line(capsys, path.name, needle)
        assert main(["score", str(path), str(data), "--output", str(tmp_path / "s.csv")]) == 2
        _one_error_line(capsys, path.name)
    assert not (tmp_path / "s.csv").exists()


def test_bom_csv_scores_like_a_plain_one(raw_model, tmp_path, capsys):
    model, frame = raw_model
    plain, bom = tmp_path / "plain.csv", tmp_path / "bom.csv"
    frame.iloc[:20].to_csv(plain, index=False)
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    assert main(["score", model, str(plain), "--output", str(tmp_path / "p.csv")]) == 0
    assert main(["score", model, str(bom), "--output", str(tmp_path / "b.csv")]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "p.csv"), pd.read_csv(tmp_path / "b.csv"))


def test_bad_tables_at_fit_and_predict_name_the_problem(raw_model):
    model, frame = raw_model
    x = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 3)), columns=list("abc"))
    nullable = x.astype("Float64")
    nullable.iloc[3, 1] = pd.NA
    with pytest.raises(ValueError, match="row 3, column 'b'"):
        VAEDetector(epochs=1).fit(nullable)
    huge = x.copy()
    huge.iloc[4, 2] = 1e30
    with pytest.raises(ValueError, match="column 'c' holds 1e\\+30 at row 4"):
        VAEDetector(epochs=1).fit(huge)
    with pytest.raises(ValueError, match="n_samples=1; fitting needs at least 10"):
        VAEDetector(epochs=1).fit(x.iloc[:1])
    with_inf = frame.copy()
    with_inf.loc[5, "duration"] = np.inf
    detector = TabularVAEDetector(epochs=50, hidden_units=(8,), latent_dim=2)
    with pytest.raises(
        ValueError, match="column 'duration' holds 1 inf value\\(s\\) \\(first at row 5\\)"
    ):
        detector.fit(with_inf)
    assert not hasattr(detector, "model_")  # refused before training
    fitted = TabularVAEDetector.load(model)
    with pytest.raises(ValueError, match="duplicated columns \\['duration'\\]"):
        fitted.predict(pd.concat([frame, frame[["duration"]]], axis=1))


def test_bad_training_data_through_train(tmp_path, capsys):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,c\n" + "1,2,3\n" * 50 + "4,5\n" + "6,7,8\n" * 50)
    kdd = tmp_path / "kdd"
    kdd.mkdir()
    _truncate(kdd_file(kdd / "kddcup.data_10_percent.gz", ["normal."] * 5000))
    cases = [
        (
            {"source": "table", "path": str(ragged)},
            ("ragged.csv, line 52: expected 3 fields, found 2",),
        ),
        ({"source": "kddcup99", "path": str(kdd)}, ("kddcup.data_10_percent.gz", "gzip")),
    ]
    for data, needles in cases:
        config = tmp_path / "config.json"
        config.write_text(json.dumps({"data": data, "training": {"epochs": 1, "verbose": 0}}))
        assert main(["train", "--config", str(config), "--out", str(tmp_path / "run")]) == 2
        _one_error_line(capsys, *needles)
    assert not (tmp_path / "run").exists()

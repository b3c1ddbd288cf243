import numpy as np
import pandas as pd
import pytest
from table_helpers import mixed_frame

from tfvae.data import table_reader
from tfvae.detectors import TabularVAEDetector, VAEDetector
from tfvae.preprocessing import to_columns
from tfvae.scoring.scores import score_in_batches
from tfvae.scoring.tables import score_table


@pytest.fixture(scope="module")
def tabular():
    frame = mixed_frame(300)
    detector = TabularVAEDetector(epochs=1, hidden_units=(8,), latent_dim=2, batch_size=64).fit(
        frame
    )
    return frame, detector


@pytest.fixture(scope="module")
def numeric():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200, 4)), columns=["a", "b", "c", "d"])
    detector = VAEDetector(epochs=1, hidden_units=(8,), latent_dim=2).fit(frame)
    return frame, detector


def test_raw_column_scores_match_in_memory_and_bad_rows_keep_their_lines(tmp_path, tabular):
    frame, detector = tabular
    path = tmp_path / "score.csv"
    frame.iloc[:50].to_csv(path, index=False)
    with open(path, "a") as handle:
        handle.write("1,2,tcp\n")  # too few fields: file line 52
        handle.write("\n")  # a blank line is not a row (line 53)
        handle.write("abc,2,tcp,20\n")  # not a number: line 54
        handle.write("1,2,udp,3\n")  # line 55
    out = tmp_path / "scores.csv"
    report = score_table(detector, path, out, batch_size=16, block_bytes=700)
    assert report["rows"] == 53 and report["scored"] == 51 and report["n_errors"] == 2
    assert [line for line, _ in report["errors"]] == [52, 54]
    result = pd.read_csv(out)
    assert list(result["line"]) == list(range(2, 53)) + [54, 55]
    expected = score_in_batches(
        detector.model_, to_columns(frame.iloc[:50], detector.preprocessor_), keys=("score",)
    )["score"]
    # The default score sums signed log terms, so it crosses 0: relative and absolute
    # float32 tolerances (blocks differ in size from the in-memory batch).
    np.testing.assert_allclose(result["score"].iloc[:50], expected, rtol=1e-5, atol=1e-5)
    assert (
        result["score"].iloc[[50, 51]].isna().all() and result["error"].iloc[[50, 51]].notna().all()
    )
    assert result["score"].iloc[52] > 0 and pd.isna(result["error"].iloc[52])


def test_numeric_model_reads_columns_by_name_and_ignores_a_label(tmp_path, numeric):
    frame, detector = numeric
    path = tmp_path / "test.csv.gz"
    # Columns in another order plus a label: the model picks its own columns by name.
    frame[["d", "c", "b", "a"]].assign(is_anomaly=0).to_csv(path, index=False)
    report = score_table(detector, path, tmp_path / "s.parquet", block_bytes=1000)
    assert report["ignored_columns"] == ["is_anomaly"] and report["rows"] == 200
    result = pd.read_parquet(tmp_path / "s.parquet")
    expected = score_in_batches(detector.model_, frame.to_numpy(np.float32))
    for key in ("score", "kl", "reconstruction_error"):
        np.testing.assert_allclose(result[key], expected[key], rtol=1e-5, atol=1e-5)
    assert list(result["line"]) == list(range(2, 202))
    assert result["is_anomaly"].isin([0, 1]).all()


def test_parquet_input_and_missing_values(tmp_path, numeric):
    frame, detector = numeric
    table = frame.copy()
    table.loc[3, "b"] = np.nan
    table.to_parquet(tmp_path / "in.parquet")
    score_table(detector.model_, tmp_path / "in.parquet", tmp_path / "out.csv")
    result = pd.read_csv(tmp_path / "out.csv")
    assert list(result["line"]) == list(range(1, 201))
    assert result["valid"].tolist() == [1, 1, 1, 0] + [1] * 196
    assert result["is_anomaly"].iloc[3] == 1  # a row that cannot be scored is flagged


def test_blocks_bound_memory(tmp_path, tabular, monkeypatch):
    frame, detector = tabular
    path = tmp_path / "many.csv"
    pd.concat([frame] * 3).to_csv(path, index=False)
    sizes = []
    original = table_reader.parse_csv_piece

    def spy(piece, *args):
        sizes.append(len(piece))
        return original(piece, *args)

    monkeypatch.setattr(table_reader, "parse_csv_piece", spy)
    report = score_table(detector.model_, path, tmp_path / "out.csv", block_bytes=4096)
    assert report["scored"] == 900
    assert max(sizes) <= 2 * 4096 and len(sizes) >= path.stat().st_size // 8192


def test_checks_header_output_and_counts_unknown_categories(tmp_path, tabular):
    frame, detector = tabular
    path = tmp_path / "new.csv"
    frame.iloc[:10].assign(protocol="quic").to_csv(path, index=False)
    report = score_table(detector, path, tmp_path / "o.csv")
    assert report["unknown_categories"] == {"protocol": 10}
    with pytest.raises(FileExistsError, match="--overwrite"):
        score_table(detector, path, tmp_path / "o.csv")
    with pytest.raises(ValueError, match="is the input"):
        score_table(detector, path, path, overwrite=True)
    bad = tmp_path / "bad.csv"
    frame.iloc[:5].drop(columns=["bytes"]).to_csv(bad, index=False)
    with pytest.raises(ValueError, match="missing column.*bytes"):
        score_table(detector, bad, tmp_path / "o2.csv")
    assert not (tmp_path / "o2.csv").exists()


def test_a_truncated_gzip_is_an_error_not_fewer_rows(tmp_path, numeric):
    frame, detector = numeric
    frame.to_csv(tmp_path / "full.csv.gz", index=False)
    data = (tmp_path / "full.csv.gz").read_bytes()
    (tmp_path / "cut.csv.gz").write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ValueError, match="cut.csv.gz is not a valid gzip file"):
        score_table(detector, tmp_path / "cut.csv.gz", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()

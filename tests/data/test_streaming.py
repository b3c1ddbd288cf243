import numpy as np
import pandas as pd
import pytest

from tests.data.tables import mixed_frame
from tfvae.data import streaming, to_columns
from tfvae.data.streaming import adapt_csv, csv_dataset, score_csv
from tfvae.detectors import TabularVAEDetector
from tfvae.scores import score_in_batches


@pytest.fixture(scope="module")
def fitted():
    frame = mixed_frame(300)
    detector = TabularVAEDetector(epochs=1, hidden_units=(8,), latent_dim=2, batch_size=64).fit(frame)
    return frame, detector


def test_adapt_csv_matches_in_memory_adaptation(tmp_path):
    frame = mixed_frame(300)
    path = tmp_path / "train.csv"
    frame.to_csv(path, index=False)
    from tfvae.data import TabularPreprocessor

    chunked = adapt_csv(path, chunk_rows=37)
    whole = TabularPreprocessor.from_dataframe(frame)
    for got, want in zip(chunked.columns, whole.columns):
        assert got["kind"] == want["kind"] and got.get("vocabulary") == want.get("vocabulary")
        if got["kind"] == "numeric":
            assert got["mean"] == pytest.approx(want["mean"], rel=1e-5)
            assert got["scale"] == pytest.approx(want["scale"], rel=1e-4)


def test_csv_dataset_trains_a_vae(tmp_path, fitted):
    frame, detector = fitted
    path = tmp_path / "train.csv"
    frame.to_csv(path, index=False)
    dataset = csv_dataset(path, detector.preprocessor_, batch_size=50, chunk_rows=64)
    batches = list(dataset)
    assert sum(len(b["protocol"]) for b in batches) == len(frame)
    assert max(len(b["bytes"]) for b in batches) == 50
    history = detector.model_.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_score_csv_matches_in_memory_scores_and_reports_bad_rows(tmp_path, fitted):
    frame, detector = fitted
    path = tmp_path / "score.csv"
    frame.iloc[:50].to_csv(path, index=False)
    with open(path, "a") as handle:
        handle.write("1,2,tcp\n")  # too few fields: file line 52
        handle.write("abc,2,tcp,20\n")  # not a number: line 53
    out = tmp_path / "scores.csv"
    report = score_csv(detector, path, out, batch_size=16, chunk_rows=20)
    assert report["rows"] == 52 and report["scored"] == 50 and report["n_errors"] == 2
    assert [line for line, _ in report["errors"]] == [52, 53]
    result = pd.read_csv(out)
    assert list(result["line"]) == list(range(2, 54))
    expected = score_in_batches(detector.model_, to_columns(frame.iloc[:50], detector.preprocessor_),
                                keys=("score",))["score"]
    np.testing.assert_allclose(result["score"].iloc[:50], expected, rtol=1e-5)
    assert result["score"].iloc[50:].isna().all() and result["error"].iloc[50:].notna().all()


def test_score_csv_reads_lazily_in_bounded_chunks(tmp_path, fitted, monkeypatch):
    frame, detector = fitted
    path = tmp_path / "many.csv"
    pd.concat([frame] * 3).to_csv(path, index=False)
    sizes = []
    original = streaming._score_chunk

    def spy(chunk, *args):
        sizes.append(len(chunk.frame))
        return original(chunk, *args)

    monkeypatch.setattr(streaming, "_score_chunk", spy)
    report = score_csv(detector.model_, path, tmp_path / "out.csv", chunk_rows=128)
    assert report["scored"] == 900
    assert max(sizes) == 128 and len(sizes) == 8  # 900 rows -> 7 full chunks + 1


def test_score_csv_counts_unknown_categories_and_checks_header(tmp_path, fitted):
    frame, detector = fitted
    path = tmp_path / "new.csv"
    frame.iloc[:10].assign(protocol="quic").to_csv(path, index=False)
    report = score_csv(detector, path, tmp_path / "o.csv")
    assert report["unknown_categories"] == {"protocol": 10}
    bad = tmp_path / "bad.csv"
    frame.iloc[:5].drop(columns=["bytes"]).to_csv(bad, index=False)
    with pytest.raises(ValueError, match="missing column.*bytes"):
        score_csv(detector, bad, tmp_path / "o2.csv")
    assert not (tmp_path / "o2.csv").exists()

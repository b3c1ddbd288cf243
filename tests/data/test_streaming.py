import numpy as np
import pytest

from tests.data.tables import mixed_frame
from tfvae.data.streaming import adapt_csv, csv_dataset
from tfvae.detectors import TabularVAEDetector


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

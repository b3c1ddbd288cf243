"""A small numeric export shared by the Beam tests."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("apache_beam")

from helpers import gaussian_blobs  # noqa: E402

COLUMNS = ["a", "b", "c", "d"]


@pytest.fixture(scope="session")
def numeric(tmp_path_factory):
    """`(frame, keras scores, export version folder)` of a VAE on 4 numeric columns."""
    from tfvae import anomaly_scores
    from tfvae.detectors import VAEDetector
    from tfvae.export import export_model

    frame = pd.DataFrame(gaussian_blobs(200, 4), columns=COLUMNS)
    detector = VAEDetector(epochs=1, hidden_units=(8,), latent_dim=2).fit(frame)
    scores = anomaly_scores(detector.model_, frame.to_numpy(np.float32))["score"].numpy()
    folder = tmp_path_factory.mktemp("export")
    version_dir = export_model(detector, folder, name="num", formats="savedmodel").version_dir
    return frame, scores, str(version_dir)

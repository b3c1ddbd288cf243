import numpy as np
import pytest
from helpers import gaussian_blobs, with_anomalies
from sklearn.metrics import roc_auc_score

import tfvae
from tfvae.fitting.builder import build_dense_vae
from tfvae.models import LatentNeighbours
from tfvae.scoring.scores import score_in_batches


def _trained_vae(x, bank_size, neighbour_weight=1.0):
    vae = build_dense_vae(
        x.shape[1],
        latent_dim=2,
        hidden_units=(16,),
        bank_size=bank_size,
        n_neighbors=3,
        neighbour_weight=neighbour_weight,
        score_name="elbo_neighbours",
        seed=0,
    )
    vae.compile(optimizer="adam")
    vae.fit(x, epochs=5, batch_size=64, verbose=0)
    return vae


def test_remember_fills_the_bank_and_calibrates_on_the_given_rows():
    x_train, x_test, y_test = with_anomalies(n_normal=400, n_anomalies=40)
    vae = _trained_vae(x_train, bank_size=300)
    tfvae.remember_neighbours(vae, x_train, x_calibration := x_test[:200], seed=1)
    codes = score_in_batches(vae, x_train, keys=("z_mean",))["z_mean"]
    bank = vae.neighbours.bank.numpy()[0]
    # 300 distinct training rows' codes, no other vectors.
    matches = (np.abs(bank[:, None] - codes[None]).max(-1) < 1e-6).any(axis=1)
    assert bank.shape == (300, 2) and matches.all()
    out = score_in_batches(vae, x_calibration, keys=("negative_elbo", "neighbour_distance"))
    pair = np.stack([out["negative_elbo"], out["neighbour_distance"]], axis=1)
    q75, q25 = np.percentile(pair, [75, 25], axis=0)
    np.testing.assert_allclose(vae.score_calibration_value()[0], np.median(pair, 0), rtol=1e-5)
    np.testing.assert_allclose(vae.score_calibration_value()[1], q75 - q25, rtol=1e-4)
    scores = score_in_batches(vae, x_test, keys=("score",))["score"]
    assert roc_auc_score(y_test, scores) > 0.75  # well above chance after 5 short epochs


def test_without_calibration_rows_each_bank_row_skips_itself():
    x = gaussian_blobs(200)
    vae = tfvae.remember_neighbours(_trained_vae(x, bank_size=200), x)
    codes = vae.neighbours.bank.numpy()[0]
    distances = np.sort(np.linalg.norm(codes[:, None] - codes[None], axis=-1), axis=1)[:, 3]
    assert vae.score_calibration_value()[0][1] == pytest.approx(np.median(distances), rel=1e-4)


def test_scores_that_need_the_bank_say_how_to_fill_it():
    x = gaussian_blobs(100)
    vae = build_dense_vae(x.shape[1], latent_dim=2, hidden_units=(8,), score_name="elbo_neighbours")
    vae(x[:2])
    with pytest.raises(ValueError, match="remember_neighbours"):
        score_in_batches(vae, x, keys=("score",))
    with pytest.raises(ValueError, match="LatentNeighbours"):
        tfvae.remember_neighbours(vae, x)
    vae = build_dense_vae(x.shape[1], latent_dim=2, hidden_units=(8,), bank_size=150)
    vae(x[:2])
    with pytest.raises(ValueError, match="at least `bank_size` \\(150\\) rows"):
        tfvae.remember_neighbours(vae, x)
    assert isinstance(vae.neighbours, LatentNeighbours)


@pytest.mark.parametrize("weight", [0.0, 0.5, 2.0])
def test_the_neighbour_weight_scales_its_term_in_elbo_neighbours(weight):
    x_train, x_test, _ = with_anomalies(n_normal=400, n_anomalies=40)
    vae = _trained_vae(x_train, bank_size=300, neighbour_weight=weight)
    tfvae.remember_neighbours(vae, x_train, x_test[:200], seed=1)
    out = score_in_batches(vae, x_test, keys=("score", "negative_elbo", "neighbour_distance"))
    center, scale = np.asarray(vae.score_calibration_value())
    z = (np.stack([out["negative_elbo"], out["neighbour_distance"]], axis=1) - center) / scale
    compressed = np.sign(z) * np.log1p(np.abs(z))
    expected = compressed[:, 0] + weight * compressed[:, 1]
    np.testing.assert_allclose(out["score"], expected, rtol=1e-4, atol=1e-5)

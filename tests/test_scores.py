import numpy as np
import pytest

from helpers import gaussian_blobs
from tfvae import SCORE_OUTPUTS, anomaly_scores, losses, score_in_batches
from tfvae.scores import batch_scorer
from tfvae.models import VAE, DenseDecoder, DenseEncoder


@pytest.fixture
def vae():
    model = VAE(DenseEncoder(2, hidden_units=[8]), DenseDecoder(6, hidden_units=[8]), threshold=5.0)
    model.build((None, 6))
    return model


def test_scores_are_deterministic_and_consistent(vae):
    x = gaussian_blobs(32)
    first, second = anomaly_scores(vae, x), anomaly_scores(vae, x)
    for key in SCORE_OUTPUTS:
        assert first[key].shape == (32,)
        np.testing.assert_array_equal(first[key].numpy(), second[key].numpy())
    assert first["feature_errors"].shape == (32, 6)
    np.testing.assert_allclose(
        first["feature_errors"].numpy().mean(axis=1), first["reconstruction_error"], rtol=1e-6
    )
    nll = losses.negative_log_likelihood(x, first["reconstruction"], "gaussian")
    np.testing.assert_allclose(first["negative_elbo"], nll + first["kl"], rtol=1e-6)
    np.testing.assert_array_equal(first["score"], first["negative_elbo"])
    np.testing.assert_array_equal(first["is_anomaly"], first["score"].numpy() > 5.0)


def test_monte_carlo_scores_are_reproducible_and_differ_from_the_mean(vae):
    x = gaussian_blobs(16)
    mc = anomaly_scores(vae, x, mc_samples=4)["reconstruction_error"].numpy()
    np.testing.assert_array_equal(mc, anomaly_scores(vae, x, mc_samples=4)["reconstruction_error"])
    assert not np.allclose(mc, anomaly_scores(vae, x)["reconstruction_error"])


def test_non_finite_rows_are_flagged_invalid_and_anomalous(vae):
    x = gaussian_blobs(4)
    x[1, 2] = np.nan
    x[3, 0] = np.inf
    out = anomaly_scores(vae, x)
    np.testing.assert_array_equal(out["valid"], [True, False, True, False])
    assert out["is_anomaly"].numpy()[[1, 3]].all()


def test_uncalibrated_model_flags_nothing_valid():
    model = VAE(DenseEncoder(2), DenseDecoder(6))
    out = anomaly_scores(model, gaussian_blobs(8))
    assert not out["is_anomaly"].numpy().any()


def test_score_in_batches_matches_one_call(vae):
    x = gaussian_blobs(50)
    batched = score_in_batches(vae, x, batch_size=16)
    np.testing.assert_allclose(batched["score"], anomaly_scores(vae, x)["score"], rtol=1e-6)


def test_score_in_batches_traces_once_per_model_and_keys(vae):
    x = gaussian_blobs(40)
    first = score_in_batches(vae, x, batch_size=64, keys=("score",))
    scorer = batch_scorer(vae, ("score",))
    assert scorer.experimental_get_tracing_count() == 1
    second = score_in_batches(vae, x, batch_size=64, keys=("score",))
    assert scorer.experimental_get_tracing_count() == 1  # the second call reused the trace
    np.testing.assert_array_equal(first["score"], second["score"])
    assert batch_scorer(vae, ("kl",)) is not scorer  # other keys: another function


def test_cached_scorer_does_not_keep_the_model_alive():
    import gc
    import weakref

    model = VAE(DenseEncoder(2, hidden_units=[4]), DenseDecoder(6, hidden_units=[4]))
    model.build((None, 6))
    score_in_batches(model, gaussian_blobs(10), keys=("score",))
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None

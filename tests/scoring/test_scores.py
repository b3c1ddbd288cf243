import numpy as np
import pytest
from helpers import gaussian_blobs

from tfvae import SCORE_OUTPUTS, anomaly_scores, losses, score_in_batches
from tfvae.models import VAE, DenseDecoder, DenseEncoder
from tfvae.preprocessing import FeatureScaler
from tfvae.score_names import NEIGHBOUR_SCORES
from tfvae.scoring.scores import score_outputs


@pytest.fixture
def vae():
    model = VAE(DenseEncoder(2, hidden_units=[8]), DenseDecoder(6, hidden_units=[8]), threshold=5.0)
    model.build((None, 6))
    return model


def test_scores_are_deterministic_and_consistent(vae):
    x = gaussian_blobs(32)
    first, second = anomaly_scores(vae, x), anomaly_scores(vae, x)
    # A model without remembered rows gives every score but the neighbour ones.
    assert set(score_outputs(vae)) == set(SCORE_OUTPUTS) - set(NEIGHBOUR_SCORES)
    assert not set(NEIGHBOUR_SCORES) & set(first)
    for key in score_outputs(vae):
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


@pytest.fixture
def traces(monkeypatch):
    """Calls of `anomaly_scores` from `tfvae.scoring.scores` (a tf.function's body runs once per trace)."""
    from tfvae.scoring import scores

    calls = []
    original = scores.anomaly_scores
    monkeypatch.setattr(
        scores, "anomaly_scores", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    return calls


def test_a_second_model_of_the_same_shapes_is_scored_without_tracing_again(traces):
    x = gaussian_blobs(40)
    first, second, other = (
        VAE(DenseEncoder(latent, hidden_units=[7]), DenseDecoder(6, hidden_units=[7]), threshold=t)
        for latent, t in ((2, 1.0), (2, 3.0), (3, 1.0))
    )
    for model in (first, second, other):
        model.build((None, 6))
    keys = ("score", "is_anomaly")
    result = score_in_batches(first, x, batch_size=16, keys=keys)
    assert len(traces) == 1  # batches of 16, 16 and 8 rows: one trace
    again = score_in_batches(second, x, batch_size=16, keys=keys)
    assert len(traces) == 1  # the second model reused it
    score_in_batches(other, x, keys=keys)
    assert len(traces) == 2  # other shapes: a trace of their own
    for model, out in ((first, result), (second, again)):  # each with its own weights
        expected = anomaly_scores(model, x)
        np.testing.assert_allclose(out["score"], expected["score"], rtol=1e-6)
        np.testing.assert_array_equal(out["is_anomaly"], expected["is_anomaly"])
    assert not np.allclose(result["score"], again["score"])


def test_models_with_other_scaler_statistics_share_the_trace(traces):
    x = gaussian_blobs(30)
    models = [
        VAE(
            DenseEncoder(2, hidden_units=[5]),
            DenseDecoder(6, hidden_units=[5]),
            preprocessor=FeatureScaler.from_data(x * factor, knee=3.0),
        )
        for factor in (1.0, 10.0)
    ]
    results = []
    for model in models:
        model.build((None, 6))
        results.append(score_in_batches(model, x, keys=("score",))["score"])
    assert len(traces) == 1
    for model, result in zip(models, results):
        np.testing.assert_allclose(result, anomaly_scores(model, x)["score"], rtol=1e-6)


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


def test_only_the_terms_the_keys_need_are_computed(vae):
    x = gaussian_blobs(12)
    full = anomaly_scores(vae, x)
    only = anomaly_scores(vae, x, keys=("score",))
    assert "reconstruction_error_mae" not in only and "reconstruction_error" not in only
    np.testing.assert_allclose(only["score"], full["score"], rtol=1e-6)
    np.testing.assert_array_equal(only["is_anomaly"], full["is_anomaly"])


@pytest.mark.parametrize("likelihood", ["gaussian", "bernoulli"])
def test_fused_terms_equal_the_separate_kernels(monkeypatch, likelihood):
    from tfvae.scoring import error_terms

    model = VAE(
        DenseEncoder(2, hidden_units=[8], members=3),
        DenseDecoder(6, hidden_units=[8], members=3, output_activation="sigmoid"),
        likelihood=likelihood,
        observation_noise="learned",
    )
    x = np.random.default_rng(1).uniform(size=(20, 6)).astype("float32")
    fused = anomaly_scores(model, x, mc_samples=2)
    monkeypatch.setattr(error_terms, "FUSE", False)
    separate = anomaly_scores(model, x, mc_samples=2)
    for key in score_outputs(model):
        np.testing.assert_allclose(fused[key], separate[key], rtol=1e-5, err_msg=key)


def test_score_in_batches_returns_every_batch_of_a_float32_array(vae):
    x = gaussian_blobs(70)[1:]  # a view whose rows are not aligned
    out = score_in_batches(vae, x, batch_size=16, keys=("features", "score"))
    np.testing.assert_array_equal(out["features"], x)
    np.testing.assert_allclose(out["score"], anomaly_scores(vae, x)["score"], rtol=1e-6)


def test_neighbour_scores_bound_the_distance_matrix_of_each_call(monkeypatch):
    # TensorFlow's oneDNN allocator keeps the memory of its largest tensors for good: a
    # call's `[rows, bank]` matrix stays within `NEIGHBOUR_MATRIX_ENTRIES`, other keys
    # keep the batch size.
    from tfvae import remember_neighbours
    from tfvae.fitting.builder import build_dense_vae
    from tfvae.scoring import scores

    x = gaussian_blobs(100)
    vae = build_dense_vae(
        x.shape[1], latent_dim=2, hidden_units=(8,), bank_size=40, score_name="elbo_neighbours"
    )
    remember_neighbours(vae, x)
    sizes, original = [], scores.row_slices
    monkeypatch.setattr(scores, "row_slices", lambda x, n: sizes.append(n) or original(x, n))
    monkeypatch.setattr(scores, "NEIGHBOUR_MATRIX_ENTRIES", 40 * 16)
    out = score_in_batches(vae, x, batch_size=64, keys=("score",))
    score_in_batches(vae, x, batch_size=64, keys=("feature_errors",))
    assert sizes == [16, 64]
    np.testing.assert_allclose(out["score"], anomaly_scores(vae, x)["score"], rtol=1e-5)

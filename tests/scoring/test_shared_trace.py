"""Models whose trace would hold their own resources (lookup tables) do not share it."""

import numpy as np
import pandas as pd

from tfvae.models import VAE, DenseDecoder, DenseEncoder, GANomaly
from tfvae.preprocessing import TabularPreprocessor, to_columns
from tfvae.scoring.scores import anomaly_scores, score_in_batches


def _tabular_vae(categories):
    frame = pd.DataFrame(
        {"x": np.linspace(0.0, 1.0, 12), "kind": categories * (12 // len(categories))}
    )
    pre = TabularPreprocessor.from_dataframe(frame)
    vae = VAE(DenseEncoder(2, [4]), DenseDecoder(pre.output_dim, [4]), preprocessor=pre, seed=0)
    return vae, to_columns(frame, pre)


def test_models_with_other_vocabularies_score_with_their_own_tables():
    # Same shapes (three categories each), other words: a shared trace would look the
    # rows up in the first model's table for both models.
    first, rows = _tabular_vae(["tcp", "udp", "icmp"])
    second, _ = _tabular_vae(["arp", "gre", "tcp"])
    for model in (first, second):
        expected = anomaly_scores(model, rows)["score"].numpy()
        np.testing.assert_allclose(
            score_in_batches(model, rows, keys=("score",))["score"], expected, rtol=1e-5
        )


def test_traces_of_the_least_recently_used_structures_are_dropped(monkeypatch):
    import tfvae.scoring.shared_trace as shared

    monkeypatch.setattr(shared, "_SHARED", shared.collections.OrderedDict())
    monkeypatch.setattr(shared, "MAX_SHARED", 2)
    x = np.zeros((4, 3), "float32")
    models = [VAE(DenseEncoder(2, [width]), DenseDecoder(3, [width])) for width in (4, 5, 6)]
    for model in models[:2]:
        score_in_batches(model, x, keys=("score",))
    score_in_batches(models[0], x, keys=("score",))  # used again: now the most recent
    score_in_batches(models[2], x, keys=("score",))  # a third structure: the oldest goes
    kept = [key[1] for key in shared._SHARED]
    assert kept == [shared.structure_key(models[0]), shared.structure_key(models[2])]


def test_models_that_differ_only_in_their_seed_share_one_trace(monkeypatch):
    # A loop of fits with one seed each (benchmarks, grid searches) kept a trace per
    # fit: the seed feeds the training noise only, never a score.
    import tfvae.scoring.shared_trace as shared

    monkeypatch.setattr(shared, "_SHARED", shared.collections.OrderedDict())
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    for seed in (0, 1, 2):
        model = VAE(DenseEncoder(2, [4]), DenseDecoder(3, [4]), seed=seed)
        expected = anomaly_scores(model, x)["score"].numpy()
        np.testing.assert_allclose(score_in_batches(model, x, keys=("score",))["score"], expected)
    assert len(shared._SHARED) == 1
    for seed in (0, 1):
        gan = GANomaly(
            DenseEncoder(2, [4], name="encoder"),
            DenseDecoder(3, [4], name="decoder"),
            DenseEncoder(2, [4], name="latent_encoder"),
            DenseEncoder(4, [4], name="discriminator"),
            seed=seed,
        )
        gan(x)  # builds it
        score_in_batches(gan, x, keys=("score",))
    assert len(shared._SHARED) == 2

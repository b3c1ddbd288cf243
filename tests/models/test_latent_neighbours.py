import numpy as np
import pytest
from helpers import config_round_trip

from tfvae.models import LatentNeighbours


def _brute_force(bank, queries, k):
    """Mean over members of the k-th smallest Euclidean distance, numpy."""
    distances = np.linalg.norm(queries[:, :, None, :] - bank.transpose(1, 0, 2)[None], axis=-1)
    return np.sort(distances, axis=-1)[..., k - 1].mean(axis=1)


def test_distance_is_the_kth_neighbour_averaged_over_members():
    rng = np.random.default_rng(0)
    bank, queries = rng.normal(size=(50, 3, 4)), rng.normal(size=(20, 3, 4))
    layer = LatentNeighbours(bank_size=50, members=3, latent_dim=4, k=5)
    layer.remember(bank)
    np.testing.assert_allclose(layer(queries).numpy(), _brute_force(bank, queries, 5), rtol=1e-4)
    # A row of the bank is its own nearest neighbour: skip_nearest measures the others.
    np.testing.assert_allclose(
        layer(bank[:10], skip_nearest=True).numpy(), _brute_force(bank, bank[:10], 6), rtol=1e-4
    )


def test_one_member_takes_two_dimensional_codes():
    rng = np.random.default_rng(1)
    bank, queries = rng.normal(size=(30, 2)), rng.normal(size=(7, 2))
    layer = LatentNeighbours(bank_size=30, members=1, latent_dim=2, k=1)
    layer.remember(bank)
    expected = _brute_force(bank[:, None], queries[:, None], 1)
    np.testing.assert_allclose(layer(queries).numpy(), expected, rtol=1e-4, atol=1e-6)


def test_config_round_trip_and_bad_arguments():
    clone = config_round_trip(
        LatentNeighbours(bank_size=8, members=2, latent_dim=3, k=2, weight=0.25)
    )
    assert (clone.bank_size, clone.members, clone.latent_dim, clone.k) == (8, 2, 3, 2)
    assert clone.weight == 0.25
    # Files saved before the weight existed have none: equal weights, as they were scored.
    old_config = {"bank_size": 8, "members": 2, "latent_dim": 3, "k": 2}
    assert LatentNeighbours.from_config(old_config).weight == 1.0
    for bad in (-0.5, True, "1"):
        with pytest.raises(ValueError, match="Expected `weight` to be a non-negative float"):
            LatentNeighbours(bank_size=3, members=1, latent_dim=2, weight=bad)
    with pytest.raises(ValueError, match="at most `bank_size`"):
        LatentNeighbours(bank_size=3, members=1, latent_dim=2, k=4)
    with pytest.raises(ValueError, match="Received: k=0"):
        LatentNeighbours(bank_size=3, members=1, latent_dim=2, k=0)
    with pytest.raises(ValueError, match=r"shape \(8, 2, 3\)"):
        LatentNeighbours(bank_size=8, members=2, latent_dim=3).remember(np.zeros((7, 2, 3)))

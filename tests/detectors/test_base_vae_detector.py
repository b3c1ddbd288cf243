"""The VAE detectors share one base: its arguments are written once and both take them."""

import pytest
from sklearn.base import clone

from tfvae.detectors import TabularVAEDetector, VAEDetector

#: The arguments of `BaseVAEDetector`, which both detectors take.
VAE_ARGUMENTS = {
    "latent_dim",
    "hidden_units",
    "beta",
    "variational",
    "likelihood",
    "observation_noise",
    "score_name",
    "members",
    "trim_fraction",
    "filter_fraction",
    "n_neighbors",
    "neighbour_weight",
    "epochs",
    "batch_size",
    "learning_rate",
    "validation_fraction",
    "early_stopping_patience",
    "contamination",
    "threshold_percentile",
    "seed",
    "verbose",
}
TABLE_ARGUMENTS = {
    "categorical",
    "numeric",
    "log_transform",
    "max_tokens",
    "min_frequency",
    "scaling",
}


def test_each_detector_has_the_base_arguments_and_its_own():
    assert set(VAEDetector().get_params()) == VAE_ARGUMENTS | {"standardize", "tail_knee"}
    assert set(TabularVAEDetector().get_params()) == VAE_ARGUMENTS | TABLE_ARGUMENTS
    plain, table = VAEDetector().get_params(), TabularVAEDetector().get_params()
    assert all(plain[name] == table[name] for name in VAE_ARGUMENTS)  # one set of defaults


def test_clone_and_repr_see_inherited_and_own_arguments():
    detector = TabularVAEDetector(filter_fraction=0.1, categorical=["colour"], epochs=3)
    copy = clone(detector)
    assert copy.filter_fraction == 0.1 and copy.categorical == ["colour"] and copy.epochs == 3
    assert repr(copy) == "TabularVAEDetector(categorical=['colour'], epochs=3, filter_fraction=0.1)"
    assert clone(VAEDetector(tail_knee=None, latent_dim=4)).get_params()["tail_knee"] is None


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        VAEDetector(4)
    with pytest.raises(TypeError):
        TabularVAEDetector(standardize=True)  # the tabular preprocessing does its own scaling

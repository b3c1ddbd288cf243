import pytest

from tfvae.fitting.builder import architecture, build_dense_vae
from tfvae.models import VAE, Autoencoder


@pytest.mark.parametrize(
    "n_features, latent, hidden",
    [(3, 2, (16, 8)), (10, 5, (16, 8)), (40, 16, (40, 20)), (1555, 16, (128, 64))],
)
def test_auto_architecture_follows_the_table_width(n_features, latent, hidden):
    assert architecture(n_features) == (latent, hidden)


def test_explicit_sizes_are_kept_and_checked():
    assert architecture(10, 4, [32]) == (4, (32,))
    with pytest.raises(ValueError, match="latent_dim"):
        architecture(10, 0, "auto")


def test_builder_mirrors_the_encoder_and_makes_both_kinds():
    vae = build_dense_vae(10, hidden_units=(32, 16), members=3, likelihood="bernoulli", beta=0.5)
    assert type(vae) is VAE and vae.members == 3
    assert vae.encoder.hidden_units == (32, 16) and vae.decoder.hidden_units == (16, 32)
    assert vae.decoder.output_activation == "sigmoid" and vae.encoder.latent_dim == 5
    autoencoder = build_dense_vae(10, variational=False, score_name="reconstruction_error")
    assert type(autoencoder) is Autoencoder and autoencoder.decoder.output_activation is None

import numpy as np
import pytest
from helpers import config_round_trip

from tfvae.models import DenseDecoder, DenseEncoder


def test_encoder_shapes_and_config():
    encoder = DenseEncoder(latent_dim=3, hidden_units=[16, 8], dropout=0.1)
    z_mean, z_log_var = encoder(np.zeros((5, 7), "float32"))
    assert z_mean.shape == (5, 3) and z_log_var.shape == (5, 3)
    clone = config_round_trip(encoder)
    assert clone.hidden_units == (16, 8) and clone.dropout == 0.1


def test_decoder_shapes_and_config():
    decoder = DenseDecoder(output_dim=7, hidden_units=[8], output_activation="sigmoid")
    out = decoder(np.zeros((5, 3), "float32")).numpy()
    assert out.shape == (5, 7) and np.all((out > 0) & (out < 1))
    assert config_round_trip(decoder).output_activation == "sigmoid"


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: DenseEncoder(latent_dim=0), "latent_dim"),
        (lambda: DenseEncoder(latent_dim=2, hidden_units=[4, -1]), "hidden_units"),
        (lambda: DenseEncoder(latent_dim=2, dropout=1.5), "dropout"),
        (lambda: DenseDecoder(output_dim=2.5), "output_dim"),
    ],
)
def test_bad_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()

import numpy as np
import pytest
from helpers import config_round_trip

from tfvae.models import ConvDecoder, ConvEncoder


@pytest.mark.parametrize("shape", [(28, 28, 1), (8, 8, 1)])
def test_conv_pair_round_trips_image_shapes(shape):
    encoder = ConvEncoder(latent_dim=2, filters=[4, 8])
    decoder = ConvDecoder(image_shape=shape, filters=[8, 4])
    z_mean, _ = encoder(np.zeros((3, *shape), "float32"))
    assert z_mean.shape == (3, 2)
    assert decoder(z_mean).shape == (3, *shape)
    config_round_trip(encoder)
    assert tuple(config_round_trip(decoder).image_shape) == shape


def test_decoder_refuses_sizes_the_strides_cannot_reach():
    with pytest.raises(ValueError, match="divisible"):
        ConvDecoder(image_shape=(28, 28, 1), filters=[8, 8, 8])


def test_encoder_refuses_tables():
    with pytest.raises(ValueError, match="height, width, channels"):
        ConvEncoder(latent_dim=2)(np.zeros((3, 10), "float32"))

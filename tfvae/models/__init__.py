"""Keras layers and models of tfvae."""

from tfvae.models.autoencoder import Autoencoder
from tfvae.models.conv_decoder import ConvDecoder
from tfvae.models.conv_encoder import ConvEncoder
from tfvae.models.dense_decoder import DenseDecoder
from tfvae.models.dense_encoder import DenseEncoder
from tfvae.models.ensemble_dense import EnsembleDense
from tfvae.models.ganomaly import GANomaly
from tfvae.models.latent_neighbours import LatentNeighbours
from tfvae.models.sampling import Sampling
from tfvae.models.vae import SCORE_NAMES, VAE
from tfvae.score_names import GAN_SCORE_NAMES

__all__ = [
    "Autoencoder",
    "ConvDecoder",
    "ConvEncoder",
    "DenseDecoder",
    "DenseEncoder",
    "EnsembleDense",
    "GAN_SCORE_NAMES",
    "GANomaly",
    "LatentNeighbours",
    "SCORE_NAMES",
    "Sampling",
    "VAE",
]

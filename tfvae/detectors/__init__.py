"""scikit-learn-style detectors: the VAE (and Autoencoder), a GAN and a PCA baseline."""

from tfvae.detectors.base import BaseDetector
from tfvae.detectors.gan_detector import GANDetector
from tfvae.detectors.gan_training_check import GANTrainingError
from tfvae.detectors.pca_detector import PCADetector
from tfvae.detectors.tabular_vae_detector import TabularVAEDetector
from tfvae.detectors.vae_detector import VAEDetector

__all__ = [
    "BaseDetector",
    "GANDetector",
    "GANTrainingError",
    "PCADetector",
    "TabularVAEDetector",
    "VAEDetector",
]

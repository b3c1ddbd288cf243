"""tfvae: anomaly detection with variational autoencoders, the Keras/TensorFlow way."""

from tfvae import _backend  # noqa: F401  (pins the TensorFlow backend before keras loads)
from tfvae import losses
from tfvae.detectors import GANDetector, PCADetector, TabularVAEDetector, VAEDetector
from tfvae.models import (
    VAE,
    Autoencoder,
    ConvDecoder,
    ConvEncoder,
    DenseDecoder,
    DenseEncoder,
    GANomaly,
    Sampling,
)
from tfvae.scores import SCORE_OUTPUTS, anomaly_scores, score_in_batches
from tfvae.thresholds import (
    ContaminationThreshold,
    FalsePositiveRateThreshold,
    PercentileThreshold,
    p_values,
)

__version__ = "0.1.0"

__all__ = [
    "VAE",
    "Autoencoder",
    "ConvDecoder",
    "ConvEncoder",
    "ContaminationThreshold",
    "DenseDecoder",
    "DenseEncoder",
    "FalsePositiveRateThreshold",
    "GANDetector",
    "GANomaly",
    "PCADetector",
    "PercentileThreshold",
    "SCORE_OUTPUTS",
    "Sampling",
    "TabularVAEDetector",
    "VAEDetector",
    "anomaly_scores",
    "losses",
    "p_values",
    "score_in_batches",
]

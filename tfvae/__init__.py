"""tfvae: anomaly detection with variational autoencoders, the Keras/TensorFlow way.

Public names load on first use, so `tfvae --help` answers without importing TensorFlow.
"""

import os

# Pinned before keras is first imported (checked by tfvae._backend on first use).
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from tfvae._lazy import lazy_attributes

__version__ = "0.1.0"

_NAMES = {
    "PCADetector": "tfvae.detectors",
    "TabularVAEDetector": "tfvae.detectors",
    "VAEDetector": "tfvae.detectors",
    "VAE": "tfvae.models",
    "Autoencoder": "tfvae.models",
    "ConvDecoder": "tfvae.models",
    "ConvEncoder": "tfvae.models",
    "DenseDecoder": "tfvae.models",
    "DenseEncoder": "tfvae.models",
    "Sampling": "tfvae.models",
    "SCORE_OUTPUTS": "tfvae.scores",
    "anomaly_scores": "tfvae.scores",
    "score_in_batches": "tfvae.scores",
    "ContaminationThreshold": "tfvae.thresholds",
    "FalsePositiveRateThreshold": "tfvae.thresholds",
    "PercentileThreshold": "tfvae.thresholds",
    "p_values": "tfvae.thresholds",
    "losses": "tfvae.losses",
}
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
__all__ = sorted(_NAMES)

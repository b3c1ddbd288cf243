"""tfvae: anomaly detection with variational autoencoders, the Keras/TensorFlow way.

`import tfvae` imports the models (and so Keras and TensorFlow) and registers every tfvae
Keras class, so `keras.saving.load_model` finds them. Only the `tfvae` command (the
console script, or `python -m tfvae...`) loads the public names on first use, so that
`tfvae --help` answers without importing TensorFlow; its commands import what they use.
This is the package's one lazy-import mechanism: sub-packages import their names plainly.
"""

import importlib
import os
import sys

# Pinned before keras is first imported (checked by tfvae._backend on first use).
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"

_NAMES = {
    "GANDetector": "tfvae.detectors",
    "PCADetector": "tfvae.detectors",
    "TabularVAEDetector": "tfvae.detectors",
    "VAEDetector": "tfvae.detectors",
    "VAE": "tfvae.models",
    "Autoencoder": "tfvae.models",
    "ConvDecoder": "tfvae.models",
    "ConvEncoder": "tfvae.models",
    "DenseDecoder": "tfvae.models",
    "DenseEncoder": "tfvae.models",
    "EnsembleDense": "tfvae.models",
    "FeatureScaler": "tfvae.preprocessing",
    "GANomaly": "tfvae.models",
    "LatentNeighbours": "tfvae.models",
    "Sampling": "tfvae.models",
    "SCORE_OUTPUTS": "tfvae.scoring",
    "anomaly_scores": "tfvae.scoring",
    "score_in_batches": "tfvae.scoring",
    "remember_neighbours": "tfvae.scoring",
    "ContaminationThreshold": "tfvae.thresholds",
    "FalsePositiveRateThreshold": "tfvae.thresholds",
    "PercentileThreshold": "tfvae.thresholds",
    "p_values": "tfvae.thresholds",
    "losses": "tfvae.losses",
}
__all__ = sorted(_NAMES)


def __getattr__(name):
    """Imports a public name on first use (PEP 562), after pinning the Keras backend."""
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    importlib.import_module("tfvae._backend")
    module = importlib.import_module(_NAMES[name])
    value = module if module.__name__ == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(_NAMES) | set(globals()))


_LAUNCHER = os.path.basename(sys.argv[0]) if getattr(sys, "argv", None) else ""


def _launched_as_command():
    """True when the `tfvae` console script or `python -m tfvae....` imported the package.

    Decided when the package is first imported (`python -m` later replaces `sys.argv[0]`).
    """
    return _LAUNCHER in ("tfvae", "tfvae.exe", "-m")


if not _launched_as_command():
    from tfvae import (
        _backend,  # noqa: E402, F401  (checks the Keras backend)
        models,  # noqa: E402, F401  (registers the Keras classes)
        preprocessing,  # noqa: E402, F401  (FeatureScaler, TabularPreprocessor)
    )

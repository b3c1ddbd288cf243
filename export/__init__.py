"""Export of trained tfvae models: SavedModel for TF Serving, TFLite for mobile/edge.

`export_model` writes `<out>/<name>/<version>/` atomically; `signatures` owns the
serving contract (names, inputs, output keys).
"""

from tfvae._lazy import lazy_attributes

_NAMES = {
    "ExportResult": "tfvae.export.api",
    "export_model": "tfvae.export.api",
    "FEATURE_SIGNATURES": "tfvae.export.signatures",
    "TFLITE_SIGNATURES": "tfvae.export.signatures",
}
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
__all__ = sorted(_NAMES)

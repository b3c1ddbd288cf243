"""Export of trained tfvae models: SavedModel for TF Serving, TFLite for mobile/edge.

`export_model` writes `<out>/<name>/<version>/` atomically; `signatures` owns the
serving contract (names, inputs, output keys).
"""

from tfvae.export.api import ExportResult, export_model
from tfvae.export.signatures import FEATURE_SIGNATURES, TFLITE_SIGNATURES

__all__ = ["FEATURE_SIGNATURES", "TFLITE_SIGNATURES", "ExportResult", "export_model"]

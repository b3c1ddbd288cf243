"""Export of trained tfvae models: SavedModel for TF Serving, TFLite for mobile/edge.

`export_model` writes `<out>/<name>/<version>/` atomically; `signatures` traces the
serving contract that `tfvae.serving` names (signatures, inputs, output keys).
"""

from tfvae.export.api import ExportResult, export_model

__all__ = ["ExportResult", "export_model"]

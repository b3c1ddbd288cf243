"""Evaluation: metrics at the model's threshold, a JSON + Markdown report, and plots."""

from tfvae._lazy import lazy_attributes

_NAMES = {
    "read_labelled_data": "tfvae.evaluation.data",
    "evaluate": "tfvae.evaluation.evaluate",
    "render_report": "tfvae.evaluation.report",
    "write_report": "tfvae.evaluation.report",
}
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
__all__ = sorted(_NAMES)

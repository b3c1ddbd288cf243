"""Raw data in and out: tabular preprocessing inside the model, KDDCup99, streaming CSV."""

from tfvae._lazy import lazy_attributes

_NAMES = {
    "TableStats": "tfvae.data.column_stats",
    "read_feature_spec": "tfvae.data.feature_spec",
    "grouped_feature_frame": "tfvae.data.frames",
    "read_table": "tfvae.data.frames",
    "to_columns": "tfvae.data.frames",
    "unknown_categories": "tfvae.data.frames",
    "TabularPreprocessor": "tfvae.data.tabular_preprocessor",
}
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
__all__ = sorted(_NAMES)

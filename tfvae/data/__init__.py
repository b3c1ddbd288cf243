"""Raw data in and out: tabular preprocessing inside the model, KDDCup99, streaming CSV."""

from tfvae.data.column_stats import TableStats
from tfvae.data.feature_spec import read_feature_spec
from tfvae.data.frames import grouped_feature_frame, read_table, to_columns, unknown_categories
from tfvae.data.tabular_preprocessor import TabularPreprocessor

__all__ = [
    "TableStats",
    "TabularPreprocessor",
    "grouped_feature_frame",
    "read_feature_spec",
    "read_table",
    "to_columns",
    "unknown_categories",
]

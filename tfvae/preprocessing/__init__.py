"""Layers that take raw inputs inside the model, and their statistics: the one array
scaler (`FeatureScaler`, set up by `scaler_for`) and the raw-table preprocessing
(`TabularPreprocessor`, its `TableStats`, the saved feature spec and the raw columns
it takes, `to_columns`)."""

from tfvae.preprocessing.column_stats import TableStats
from tfvae.preprocessing.columns import grouped_feature_frame, to_columns, unknown_categories
from tfvae.preprocessing.feature_scaler import (
    FeatureScaler,
    input_values,
    scaler_for,
    scaling_metadata,
)
from tfvae.preprocessing.feature_spec import read_feature_spec
from tfvae.preprocessing.tabular_preprocessor import TabularPreprocessor

__all__ = [
    "FeatureScaler",
    "TableStats",
    "TabularPreprocessor",
    "grouped_feature_frame",
    "input_values",
    "read_feature_spec",
    "scaler_for",
    "scaling_metadata",
    "to_columns",
    "unknown_categories",
]

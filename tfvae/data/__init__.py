"""Raw data in and out: tabular preprocessing inside the model, tables read from their
files (sharded CSV/Parquet, larger than memory), KDDCup99, array data sets."""

from tfvae.data.column_stats import TableStats
from tfvae.data.feature_spec import read_feature_spec
from tfvae.data.frames import grouped_feature_frame, read_table, to_columns, unknown_categories
from tfvae.data.row_split import TEST, TRAIN, VALIDATION, RowSplit, Sharding
from tfvae.data.table_files import TableFiles
from tfvae.data.table_input import table_dataset
from tfvae.data.table_scan import scan_tables
from tfvae.data.tabular_preprocessor import TabularPreprocessor

__all__ = [
    "TEST",
    "TRAIN",
    "VALIDATION",
    "RowSplit",
    "Sharding",
    "TableFiles",
    "TableStats",
    "TabularPreprocessor",
    "grouped_feature_frame",
    "read_feature_spec",
    "read_table",
    "scan_tables",
    "table_dataset",
    "to_columns",
    "unknown_categories",
]

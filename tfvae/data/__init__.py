"""Raw data in and out: tabular preprocessing inside the model, tables read from their
files (sharded CSV/Parquet, larger than memory), KDDCup99, array data sets."""

from tfvae._lazy import lazy_attributes

_NAMES = {
    "TableStats": "tfvae.data.column_stats",
    "read_feature_spec": "tfvae.data.feature_spec",
    "grouped_feature_frame": "tfvae.data.frames",
    "read_table": "tfvae.data.frames",
    "to_columns": "tfvae.data.frames",
    "unknown_categories": "tfvae.data.frames",
    "TabularPreprocessor": "tfvae.data.tabular_preprocessor",
    "TableFiles": "tfvae.data.table_files",
    "RowSplit": "tfvae.data.row_split",
    "Sharding": "tfvae.data.row_split",
    "TRAIN": "tfvae.data.row_split",
    "VALIDATION": "tfvae.data.row_split",
    "TEST": "tfvae.data.row_split",
    "scan_tables": "tfvae.data.table_scan",
    "table_dataset": "tfvae.data.table_input",
}
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
__all__ = sorted(_NAMES)

"""Raw data in and out: tables read from their files (sharded CSV/Parquet, larger than
memory), KDDCup99, array data sets. (The layers that preprocess them inside the model
are in `tfvae.preprocessing`.)"""

from tfvae.data.frames import read_csv, read_table
from tfvae.data.npz import read_npz
from tfvae.data.row_split import TEST, TRAIN, VALIDATION, RowSplit, Sharding
from tfvae.data.table_files import TableFiles
from tfvae.data.table_scan import scan_tables
from tfvae.data.table_stream import table_dataset

__all__ = [
    "TEST",
    "TRAIN",
    "VALIDATION",
    "RowSplit",
    "Sharding",
    "TableFiles",
    "read_csv",
    "read_npz",
    "read_table",
    "scan_tables",
    "table_dataset",
]

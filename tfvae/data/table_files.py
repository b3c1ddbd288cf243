"""A table stored as files: one CSV/Parquet file, a glob of shards or a folder of them.

`TableFiles` knows the files, their columns (one header for all shards, or the names of
header-less fields), the label column and which label is normal, and reads the shards
block by block with `table_reader` (every row keeps its file and line). It is what the
statistics pass (`table_scan`) and the training input (`table_dataset`) read.
"""

import dataclasses
import glob
import os
import typing

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from tfvae.column_kinds import CATEGORICAL, infer_kinds
from tfvae.data.table_reader import is_parquet, iter_table_batches, read_header

#: File names a folder of shards is listed by.
TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet")
#: Rows of the first shard read to tell numeric columns from categorical ones.
KIND_SAMPLE_ROWS = 10000


def list_table_files(path):
    """The files of `path`: itself, the matches of a glob, or the tables in a folder.

    Raises:
        FileNotFoundError: nothing matches.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        files = sorted(
            os.path.join(path, entry)
            for entry in os.listdir(path)
            if entry.lower().endswith(TABLE_SUFFIXES) and not entry.startswith(".")
        )
        if not files:
            raise FileNotFoundError(
                f"{path} is a folder without table files ({', '.join(TABLE_SUFFIXES)})."
            )
        return files
    if glob.has_magic(path):
        files = sorted(f for f in glob.glob(path) if os.path.isfile(f))
        if not files:
            raise FileNotFoundError(f"No file matches {path}.")
        return files
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such file or folder: {path}")
    return [path]


@dataclasses.dataclass
class Block:
    """Rows of one shard: feature `columns`, their `lines`, `is_anomaly` (or None)."""

    file_index: int
    columns: dict
    lines: np.ndarray
    is_anomaly: typing.Optional[np.ndarray]

    def take(self, mask):
        return Block(
            self.file_index,
            {name: values[mask] for name, values in self.columns.items()},
            self.lines[mask],
            None if self.is_anomaly is None else self.is_anomaly[mask],
        )


@dataclasses.dataclass(frozen=True)
class TableFiles:
    """The shards of one table and how to read them.

    Args:
        files: list of str. CSV (`.gz` or not) or Parquet files with the same columns.
        column_names: list of str or None. Names of the fields of header-less CSVs.
        label_column: str or None. The column telling anomalies (not a feature).
        normal_label: the `label_column` value of normal rows (compared as text, or
            as a number when both are numbers).
        categorical: list of str. Columns read as categories whatever they hold.
        numeric: list of str. Columns read as numbers.
        max_rows: int. Read at most this many rows (in file order); 0 reads all.
    """

    files: tuple
    column_names: typing.Optional[tuple] = None
    label_column: typing.Optional[str] = None
    normal_label: typing.Any = 0
    categorical: tuple = ()
    numeric: tuple = ()
    max_rows: int = 0

    @classmethod
    def from_path(cls, path, **kwargs):
        """`TableFiles` of a file, glob or folder (`list_table_files`)."""
        return cls(files=tuple(list_table_files(path)), **kwargs)

    def header(self):
        """The columns of every shard (raises on an unreadable or different header)."""
        if self.column_names is not None:
            return list(self.column_names)
        first = read_header(self.files[0])
        for path in self.files[1:]:
            other = read_header(path)
            if other != first:
                raise ValueError(
                    f"{path}: header {other} differs from {self.files[0]}'s {first}; every "
                    "shard of a table needs the same columns in the same order."
                )
        return first

    def kinds(self):
        """Feature column -> `numeric`/`categorical` (label excluded), overrides applied."""
        header = self.header()
        if self.label_column is not None and self.label_column not in header:
            raise ValueError(
                f"{self.files[0]}: label column {self.label_column!r} not found; columns: {header}."
            )
        for override in (*self.categorical, *self.numeric):
            if override not in header:
                raise ValueError(
                    f"Column {override!r} (data.categorical/data.numeric) is not in the "
                    f"columns of {self.files[0]}: {header}."
                )
        sample = self._sample(header)
        kinds = infer_kinds(sample, categorical=self.categorical, numeric=self.numeric)
        kinds.pop(self.label_column, None)
        if not kinds:
            raise ValueError(f"{self.files[0]} has no feature columns besides the label.")
        return kinds

    def _sample(self, header):
        """First rows of the first shard with pandas dtypes (numbers where every value is one)."""
        path = self.files[0]
        if is_parquet(path):
            batch = next(pq.ParquetFile(path).iter_batches(batch_size=KIND_SAMPLE_ROWS), None)
            frame = batch.to_pandas() if batch is not None else pd.DataFrame(columns=header)
        else:
            specs = [{"name": name, "kind": CATEGORICAL} for name in header]
            batch = next(self._batches(path, specs, block_bytes=1 << 20), None)
            frame = pd.DataFrame(batch.columns if batch is not None else {n: [] for n in header})
            for name in header:
                text = frame[name].str.strip()
                present = text[text != ""]
                numbers = pd.to_numeric(present, errors="coerce")
                if len(present) and numbers.notna().all():
                    frame[name] = pd.to_numeric(text.where(text != ""), errors="coerce")
        if len(frame) == 0:
            raise ValueError(f"{path} has no data rows.")
        return frame

    def _batches(self, path, specs, block_bytes):
        names = None if self.column_names is None else list(self.column_names)
        return iter_table_batches(path, specs, block_bytes=block_bytes, column_names=names)

    def read_specs(self, feature_specs):
        """The column specs to read: the features plus the label (as text)."""
        specs = [{"name": s["name"], "kind": s["kind"]} for s in feature_specs]
        if self.label_column is not None:
            specs.append({"name": self.label_column, "kind": CATEGORICAL})
        return specs

    def iter_blocks(self, feature_specs, file_indices=None, row_limits=None, block_bytes=4 << 20):
        """Yields the `Block`s of the given shards (all by default), in the order given.

        Args:
            feature_specs: list of `{"name", "kind"}`: the feature columns.
            file_indices: iterable of int or None. Shards to read, by index in `files`.
            row_limits: list of int or None. Rows to read per shard (`max_rows`), as
                counted by the statistics pass.
            block_bytes: int. Bytes of CSV parsed per block.

        Raises:
            ValueError: a row that cannot be read (file and line named), a missing label.
        """
        specs = self.read_specs(feature_specs)
        indices = range(len(self.files)) if file_indices is None else file_indices
        for file_index in indices:
            path = self.files[file_index]
            limit = None if row_limits is None else int(row_limits[file_index])
            read = 0
            for batch in self._batches(path, specs, block_bytes):
                if batch.errors:
                    line, message = batch.errors[0]
                    raise ValueError(f"{path}, line {line}: {message}.")
                columns = dict(batch.columns)
                labels = columns.pop(self.label_column) if self.label_column else None
                block = Block(
                    file_index, columns, batch.lines, self._is_anomaly(labels, batch, path)
                )
                if limit is not None and read + len(block.lines) > limit:
                    block = block.take(np.arange(len(block.lines)) < limit - read)
                read += len(block.lines)
                if len(block.lines):
                    yield block
                if limit is not None and read >= limit:
                    break

    def _is_anomaly(self, labels, batch, path):
        if labels is None:
            return None
        missing = labels == ""
        if missing.any():
            line = int(batch.lines[np.flatnonzero(missing)[0]])
            raise ValueError(
                f"{path}, line {line}: the label column {self.label_column!r} is empty."
            )
        normal = str(self.normal_label)
        is_normal = labels == normal
        number = pd.to_numeric(pd.Series([normal]), errors="coerce")[0]
        if not np.isnan(number):
            values = pd.to_numeric(pd.Series(labels), errors="coerce").to_numpy()
            is_normal |= values == number
        return ~is_normal

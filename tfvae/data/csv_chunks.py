"""Reads a CSV (plain or .gz) lazily in chunks of raw string fields, with line numbers.

Nothing is dropped silently: a row with the wrong number of fields, or a value that
does not parse in a numeric column, is returned as an error naming its line.
"""

import csv
import dataclasses
import gzip
import io
import os
import zlib

import numpy as np
import pandas as pd

from tfvae.data.column_stats import CATEGORICAL, NUMERIC


@dataclasses.dataclass
class Chunk:
    """One chunk of a CSV: `frame` of string fields, their 1-based file `lines`, `errors`."""

    frame: pd.DataFrame
    lines: np.ndarray
    errors: list  # of (line, message)


def open_text(path):
    """Opens `path` for reading text; `.gz` files are decompressed on the fly."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {path}")
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def read_header(path):
    """The column names of a CSV file (its first line)."""
    with _guarded(path):
        with open_text(path) as handle:
            header = next(csv.reader(handle), None)
    if not header:
        raise ValueError(f"{os.fspath(path)} is empty: expected a header line with column names.")
    return [name.strip() for name in header]


def iter_chunks(path, chunk_rows=65536):
    """Yields `Chunk`s of at most `chunk_rows` rows; reads the file lazily.

    Raises:
        ValueError: empty file, corrupt gzip (naming the file), duplicate header names.
    """
    if int(chunk_rows) < 1:
        raise ValueError(f"Expected `chunk_rows` to be a positive int. Received: chunk_rows={chunk_rows!r}")
    header = read_header(path)
    if len(set(header)) != len(header):
        raise ValueError(f"{os.fspath(path)}: repeated column names in the header {header}.")
    with _guarded(path), open_text(path) as handle:
        reader = csv.reader(handle)
        next(reader)
        rows, lines, errors = [], [], []
        for fields in reader:
            line = reader.line_num
            if len(fields) != len(header):
                if fields:  # a blank line is not a row
                    errors.append((line, f"expected {len(header)} fields, found {len(fields)}"))
            else:
                rows.append(fields)
                lines.append(line)
            if len(rows) >= chunk_rows:
                yield Chunk(pd.DataFrame(rows, columns=header), np.asarray(lines), errors)
                rows, lines, errors = [], [], []
        if rows or errors:
            yield Chunk(pd.DataFrame(rows, columns=header), np.asarray(lines, dtype=np.int64), errors)


def typed_columns(chunk, specs):
    """Parses a chunk's string fields by column kind; bad rows become errors.

    Args:
        chunk: a `Chunk`.
        specs: list of column specs (`name`, `kind`), e.g. `TabularPreprocessor.columns`.

    Returns:
        `(columns, lines, errors)`: dict name -> numpy array over the parsable rows
        (numeric float32 with empty fields as NaN, categorical str), their line
        numbers, and the chunk's errors plus one per unparsable value.
    """
    frame, errors = chunk.frame, list(chunk.errors)
    good = np.ones(len(frame), dtype=bool)
    columns = {}
    for spec in specs:
        raw = frame[spec["name"]]
        if spec["kind"] == NUMERIC:
            stripped = raw.str.strip()
            values = pd.to_numeric(stripped.replace("", np.nan), errors="coerce")
            bad = values.isna().to_numpy() & (stripped != "").to_numpy() & ~_is_nan_text(stripped)
            for row in np.flatnonzero(bad):
                errors.append((int(chunk.lines[row]), f"column {spec['name']!r}: {raw.iloc[row]!r} is not a number"))
            good &= ~bad
            columns[spec["name"]] = values.to_numpy(dtype=np.float32, na_value=np.nan)
        elif spec["kind"] == CATEGORICAL:
            columns[spec["name"]] = raw.to_numpy(dtype=str)
    columns = {name: values[good] for name, values in columns.items()}
    errors.sort()
    return columns, chunk.lines[good], errors


def _is_nan_text(series):
    return series.str.lower().isin(["nan", "na", "null", "none"]).to_numpy()


class _guarded:
    """Turns gzip/zlib failures into a ValueError that names the file."""

    def __init__(self, path):
        self.path = os.fspath(path)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, (gzip.BadGzipFile, EOFError, zlib.error)):
            raise ValueError(f"{self.path} is not a valid gzip file (corrupt or truncated): {error}") from error
        if isinstance(error, UnicodeDecodeError):
            raise ValueError(f"{self.path} is not UTF-8 text (binary or corrupt file?): {error}") from error
        return False

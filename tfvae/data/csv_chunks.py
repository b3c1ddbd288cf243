"""Typing of raw string fields by column kind, bad values reported with their lines.

`arrow_batches` parses a block as text with this when pyarrow finds a value that is
not a number in a numeric column: nothing is dropped silently, every such value
becomes an error naming its line.
"""

import dataclasses
import gzip
import os
import zlib

import numpy as np
import pandas as pd

from tfvae.data.column_stats import CATEGORICAL, NUMERIC
from tfvae.quoting import quote


@dataclasses.dataclass
class Chunk:
    """One chunk of a CSV: `frame` of string fields, their 1-based file `lines`, `errors`."""

    frame: pd.DataFrame
    lines: np.ndarray
    errors: list  # of (line, message)


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
                errors.append(
                    (
                        int(chunk.lines[row]),
                        f"column {quote(spec['name'])}: {quote(raw.iloc[row])} is not a number",
                    )
                )
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
            raise ValueError(
                f"{self.path} is not a valid gzip file (corrupt or truncated): {error}"
            ) from error
        if isinstance(error, UnicodeDecodeError):
            raise ValueError(
                f"{self.path} is not UTF-8 text (binary or corrupt file?): {error}"
            ) from error
        return False

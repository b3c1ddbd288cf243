"""Typing of raw string fields by column kind, bad values reported with their lines.

`table_reader` parses a block as text with this when pyarrow finds a value that is
not a number in a numeric column: nothing is dropped silently, every such value
becomes an error naming its line.
"""

import contextlib
import dataclasses
import gzip
import os
import zlib

import numpy as np
import pandas as pd

from tfvae.column_kinds import CATEGORICAL, NUMERIC
from tfvae.quoting import clean, quote

#: Longest reason text kept for a bad row (`quoting.clean(reason, MAX_REASON_CHARS)`): a
#: line of a million characters is cut.
MAX_REASON_CHARS = 200


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
        (numeric float32 with empty fields as NaN, categorical str objects), their line
        numbers, and the chunk's errors plus one per row with values that are not
        numbers (the first such value named, the others counted).
    """
    frame = chunk.frame
    good = np.ones(len(frame), dtype=bool)
    problems = {}  # row -> messages, in column order
    columns = {}
    for spec in specs:
        raw = frame[spec["name"]]
        if spec["kind"] == NUMERIC:
            stripped = raw.str.strip()
            values = pd.to_numeric(stripped.replace("", np.nan), errors="coerce")
            bad = values.isna().to_numpy() & (stripped != "").to_numpy() & ~_is_nan_text(stripped)
            for row in np.flatnonzero(bad):
                problems.setdefault(row, []).append(
                    f"column {quote(spec['name'])}: {quote(raw.iloc[row])} is not a number"
                )
            good &= ~bad
            columns[spec["name"]] = values.to_numpy(dtype=np.float32, na_value=np.nan)
        elif spec["kind"] == CATEGORICAL:
            columns[spec["name"]] = raw.to_numpy(dtype=object)
    errors = list(chunk.errors) + [
        (int(chunk.lines[row]), first_problem(messages)) for row, messages in problems.items()
    ]
    columns = {name: values[good] for name, values in columns.items()}
    errors.sort()
    return columns, chunk.lines[good], errors


def first_problem(messages):
    """The reason of a bad row: its first problem, and how many others it has."""
    more = len(messages) - 1
    return messages[0] + (f" (and {more} more bad value(s) in the row)" if more else "")


def _is_nan_text(series):
    return series.str.lower().isin(["nan", "na", "null", "none"]).to_numpy()


@contextlib.contextmanager
def read_errors_named(path):
    """Turns gzip/zlib and UTF-8 failures in the block into a ValueError naming the file."""
    path = os.fspath(path)
    try:
        yield
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ValueError(
            f"{clean(path)} is not a valid gzip file (corrupt or truncated): {error}"
        ) from error
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{clean(path)} is not UTF-8 text (binary or corrupt file?): {error}"
        ) from error

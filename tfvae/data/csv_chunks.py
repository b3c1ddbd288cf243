"""Typing of raw string fields by column kind, bad values reported with their lines.

`arrow_batches` parses a block as text with this when pyarrow finds a value that is
not a number in a numeric column: nothing is dropped silently, every such value
becomes an error naming its line.
"""

import contextlib
import dataclasses
import gzip
import os
import unicodedata
import zlib

import numpy as np
import pandas as pd

from tfvae.data.column_stats import CATEGORICAL, NUMERIC

#: Longest reason text kept for a bad row: a line of a million characters is cut.
MAX_REASON_CHARS = 200
#: Longest field value quoted in a reason.
MAX_VALUE_CHARS = 40


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
                    f"column {spec['name']!r}: {quote_value(raw.iloc[row])} is not a number"
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


def quote_value(value):
    """`repr` of a field value, cut to `MAX_VALUE_CHARS` characters."""
    value = str(value)
    if len(value) <= MAX_VALUE_CHARS:
        return repr(value)
    return f"{value[:MAX_VALUE_CHARS]!r}... ({len(value)} characters)"


def printable(text, limit=MAX_REASON_CHARS):
    """`text` on one line for a terminal or a log: control characters escaped, cut to `limit`.

    A reason may quote bytes of a broken line (binary garbage, escape sequences); they
    must not reach the terminal raw nor make one record a megabyte long.
    """
    text = str(text)
    cut = len(text) > limit
    escaped = "".join(
        repr(char)[1:-1] if unicodedata.category(char)[0] in "CZ" and char != " " else char
        for char in text[:limit]
    )
    if cut or len(escaped) > limit:
        return escaped[: limit - 3] + "..."
    return escaped


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
            f"{path} is not a valid gzip file (corrupt or truncated): {error}"
        ) from error
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text (binary or corrupt file?): {error}") from error

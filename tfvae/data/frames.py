"""pandas in and out: tables (or CSV/Parquet paths) -> raw column dicts, errors -> frames."""

import contextlib
import csv
import gzip
import os
import zlib

import pandas as pd

from tfvae.quoting import clean
from tfvae.validation import check_table


def read_table(table, name="X"):
    """Returns `table` as a DataFrame: a DataFrame as is, or a `.csv[.gz]`/`.parquet` path.

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: empty table, unknown file type, corrupt gzip (naming the file).
    """
    if isinstance(table, (str, os.PathLike)):
        path = os.fspath(table)
        if not os.path.exists(path):
            raise FileNotFoundError(f"`{name}`: no such file: {path}")
        lower = path.lower()
        with _read_errors(path, prefix=f"`{name}`: "):
            if lower.endswith(".parquet"):
                frame = pd.read_parquet(path)
            elif lower.endswith((".csv", ".csv.gz", ".txt", ".txt.gz")):
                frame = pd.read_csv(path, encoding="utf-8-sig")
            else:
                raise ValueError(
                    f"`{name}`: unsupported file type {path!r}; use .csv, .csv.gz or .parquet."
                )
        table = frame
    return check_table(table, name, "a DataFrame or a CSV/Parquet path")


def read_csv(path, **kwargs):
    """`pandas.read_csv` with errors that name the file (and the line, for ragged rows).

    Reads a UTF-8 byte-order mark as such (not as part of the first column name),
    refuses a file with a header but no rows, and a row with more or fewer fields
    than the header (pandas would pad it with NaN).

    Args:
        path: str. A `.csv` or `.csv.gz` file.
        **kwargs: passed to `pandas.read_csv`.

    Returns:
        A `DataFrame`.

    Raises:
        ValueError: empty, header-only, truncated/corrupt gzip, undecodable or ragged file.
    """
    path = os.fspath(path)
    with _read_errors(path):
        frame = pd.read_csv(path, encoding="utf-8-sig", **kwargs)
    if len(frame) == 0:
        raise ValueError(f"{path} has a header but no rows.")
    if frame.isna().to_numpy().any():
        has_header = kwargs.get("header", "infer") is not None
        _refuse_ragged(path, len(frame.columns) if has_header else None)
    return frame


def _not_utf8(path):
    """The message for a CSV that is not UTF-8, naming its first such line."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                return (
                    f"{clean(path)}, line {number}: not UTF-8 text (byte 0x{line[error.start]:02x} "
                    f"at position {error.start + 1}); save the file as UTF-8."
                )
    return f"{clean(path)} is not UTF-8 text: is it really a CSV?"


def _refuse_ragged(path, n_fields):
    """Raises a ValueError at the first line whose field count differs from the header's."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if n_fields is None:
                n_fields = len(row)
            if row and len(row) != n_fields:
                raise ValueError(
                    f"{path} line {number} has {len(row)} fields, the header has {n_fields}."
                )


@contextlib.contextmanager
def _read_errors(path, prefix=""):
    """Turns the errors of reading the table at `path` (pandas, gzip, decoding) into one
    `ValueError` line naming the file: the one mapping of `read_table` and `read_csv`."""
    try:
        yield
    except pd.errors.EmptyDataError:
        raise ValueError(f"{prefix}{path} is empty (no header, no rows).") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"{prefix}{path}: {' '.join(str(error).split())}") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ValueError(
            f"{prefix}{path} is not a valid gzip file (corrupt or truncated): {error}"
        ) from None
    except UnicodeDecodeError:
        raise ValueError(_not_utf8(path)) from None

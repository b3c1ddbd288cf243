"""CSV and Parquet tables read by pyarrow in large record batches, with line numbers.

The CSV reader cuts the byte stream at line ends into blocks of `block_bytes` and
parses the blocks on a thread pool (pyarrow releases the GIL), so parsing uses every
core and overlaps with whatever the caller does with the previous batch. Because each
block is parsed on its own, every row keeps its 1-based line in the file, and nothing
is dropped silently: a row with the wrong number of fields, a value that is not a
number in a numeric column or bytes that are not UTF-8 text becomes an error naming
its line (the other rows of the block are read). Blank lines are not rows.
A quoted field spanning several lines is not supported (its pieces are reported as
rows of the wrong width).

Parquet files are read with `pyarrow.parquet` in record batches; a row's "line" is its
1-based row number.
"""

import collections
import concurrent.futures
import csv
import dataclasses
import gzip
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from tfvae.data.column_stats import CATEGORICAL, NUMERIC
from tfvae.data.csv_chunks import Chunk, _guarded, typed_columns
from tfvae.quoting import clean, quote

#: Texts read as a missing number (NaN), as `csv_chunks.typed_columns` reads them.
_NULL_TEXTS = ["", "nan", "NaN", "NAN", "na", "NA", "null", "NULL", "Null", "none", "None", "NONE"]


@dataclasses.dataclass
class TableBatch:
    """Rows of a table: `columns` (name -> numpy array), their `lines`, and `errors`.

    Numeric columns are float32 with NaN for missing values; categorical columns
    are arrays of str. `errors` lists `(line, message)` for rows left out of `columns`.
    """

    columns: dict
    lines: np.ndarray
    errors: list


def is_parquet(path):
    """True for a `.parquet` path (the other tables are read as CSV, `.gz` or not)."""
    return os.fspath(path).lower().endswith(".parquet")


def read_header(source, name=None):
    """Column names of a CSV (its first line) or a Parquet file (its schema).

    Args:
        source: str path, or a binary file object (then `name` is its path).
        name: str or None. The file name used in messages and to pick the format.
    """
    name = os.fspath(source) if name is None else name
    if is_parquet(name):
        return list(pq.ParquetFile(_open(source)).schema_arrow.names)
    with _guarded(name), _open(source) as stream:
        first, _ = _split_header(stream, name, 1 << 16)
    return first


def iter_table_batches(
    source, specs, name=None, block_bytes=16 << 20, threads=None, column_names=None
):
    """Yields the `TableBatch`es of a CSV or Parquet table, in file order.

    Args:
        source: str path (`.csv`, `.csv.gz`, `.parquet`), or a binary file object.
        specs: list of `{"name", "kind"}` dicts: the columns to read and how to type
            them (`numeric` or `categorical`); other columns are not parsed.
        name: str or None. The file name when `source` is a file object.
        block_bytes: int. Bytes of CSV parsed per block (about the memory per block).
        threads: int or None. Blocks parsed at once (default: the number of CPUs).
        column_names: list of str or None. For a CSV without a header line: the
            names of its fields (its first line is then data, line 1).

    Raises:
        ValueError: an empty file, a missing column, a file pyarrow cannot parse.
    """
    name = os.fspath(source) if name is None else name
    if int(block_bytes) < 1:
        raise ValueError(
            f"Expected `block_bytes` to be a positive int. Received: block_bytes={block_bytes!r}"
        )
    if is_parquet(name):
        yield from _parquet_batches(source, specs, name, block_bytes)
    else:
        yield from _csv_batches(
            source, specs, name, int(block_bytes), threads or os.cpu_count() or 1, column_names
        )


def _open(source):
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such file: {path}")
        # Python's gzip reader (not pyarrow's) raises on a truncated file instead of
        # ending early, so a cut-off download is an error, not fewer rows.
        return gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")
    return source


def _split_header(stream, name, block_bytes):
    data = b""
    while b"\n" not in data:
        more = stream.read(block_bytes)
        if not more:
            break
        data += more
    line, _, rest = data.partition(b"\n")
    try:
        header = next(csv.reader([line.decode("utf-8-sig").rstrip("\r")]), None)
    except UnicodeDecodeError as error:
        raise ValueError(f"{name} is not UTF-8 text (binary or corrupt file?): {error}") from error
    if not header:
        raise ValueError(f"{name} is empty: expected a header line with column names.")
    header = [column.strip() for column in header]
    if len(set(header)) != len(header):
        raise ValueError(f"{clean(name)}: repeated column names in the header {quote(header)}.")
    return header, rest


def _check_columns(header, specs, name):
    missing = [spec["name"] for spec in specs if spec["name"] not in header]
    if missing:
        raise ValueError(
            f"{clean(name)} is missing column(s) {missing} that the model takes (header: "
            f"{quote(header)})."
        )


def _pieces(stream, rest, block_bytes):
    """Byte blocks ending at a line end (the last one may not)."""
    leftover = rest
    while True:
        data = stream.read(block_bytes)
        if not data:
            if leftover:
                yield leftover
            return
        data = leftover + data
        cut = data.rfind(b"\n")
        if cut < 0:
            leftover = data
            continue
        yield data[: cut + 1]
        leftover = data[cut + 1 :]


def _line_count(piece):
    return piece.count(b"\n") + (0 if piece.endswith(b"\n") else 1)


def _csv_batches(source, specs, name, block_bytes, threads, column_names):
    stream = _open(source)
    try:
        with _guarded(name):
            yield from _csv_blocks(stream, specs, name, block_bytes, threads, column_names)
    finally:
        if isinstance(source, (str, os.PathLike)):
            stream.close()


def _csv_blocks(stream, specs, name, block_bytes, threads, column_names):
    if column_names is None:
        header, rest = _split_header(stream, name, block_bytes)
        first_line = 2
    else:
        header, rest, first_line = list(column_names), b"", 1
    _check_columns(header, specs, name)
    pending = collections.deque()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for piece in _pieces(stream, rest, block_bytes):
            pending.append(pool.submit(_parse_piece, piece, first_line, header, specs, name))
            first_line += _line_count(piece)
            if len(pending) > threads:  # bounded read-ahead: memory stays ~ threads blocks
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _undecodable_lines(piece, first_line):
    """Blanks the lines of `piece` that are not UTF-8 text; returns `(piece, errors)`.

    pyarrow refuses a whole block for one such byte (a latin-1 letter, a binary
    field); blanked, the line is skipped like an empty one and reported on its own.
    """
    if piece.isascii():
        return piece, []
    try:
        piece.decode("utf-8")
        return piece, []
    except UnicodeDecodeError:
        pass
    lines = piece.split(b"\n")
    errors = []
    for index, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            errors.append(
                (
                    first_line + index,
                    f"not UTF-8 text (byte 0x{line[error.start]:02x} at position "
                    f"{error.start + 1}); save the file as UTF-8",
                )
            )
            lines[index] = b""
    return b"\n".join(lines), errors


def _parse_piece(piece, first_line, header, specs, name):
    piece, undecodable = _undecodable_lines(piece, first_line)
    invalid = []

    def on_invalid_row(row):
        invalid.append((row.number, row.actual_columns))
        return "skip"

    def read(column_types):
        return pa_csv.read_csv(
            pa.py_buffer(piece),
            read_options=pa_csv.ReadOptions(
                column_names=header, use_threads=False, block_size=len(piece) + 1
            ),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=on_invalid_row),
            convert_options=pa_csv.ConvertOptions(
                column_types=column_types,
                include_columns=[spec["name"] for spec in specs],
                null_values=_NULL_TEXTS,
                strings_can_be_null=False,
            ),
        )

    typed = {s["name"]: pa.float64() if s["kind"] == NUMERIC else pa.string() for s in specs}
    try:
        try:
            table, exact = read(typed), True
        except pa.ArrowInvalid:  # a value that is not a number: parse as text, row by row below
            invalid.clear()
            table, exact = read({s["name"]: pa.string() for s in specs}), False
    except pa.ArrowInvalid as error:
        last = first_line + _line_count(piece) - 1
        raise ValueError(
            f"{clean(name)}, lines {first_line}-{last}: not a CSV pyarrow can parse: "
            f"{clean(error, limit=300)}"
        ) from error
    lines = _row_lines(piece, first_line, table.num_rows + len(invalid), name)
    keep = np.ones(len(lines), dtype=bool)
    errors = undecodable
    for number, found in invalid:
        keep[number - 1] = False
        errors.append((int(lines[number - 1]), f"expected {len(header)} fields, found {found}"))
    lines = lines[keep]
    if exact:
        return TableBatch(_numpy_columns(table, specs), lines, sorted(errors))
    frame = pd.DataFrame(
        {s["name"]: table.column(s["name"]).to_numpy(zero_copy_only=False) for s in specs}
    )
    columns, lines, errors = typed_columns(
        Chunk(frame.astype(object).astype(str), lines, errors), specs
    )
    return TableBatch(columns, lines, errors)


def _row_lines(piece, first_line, n_rows, name):
    """File lines of the non-blank lines of `piece` (pyarrow numbers rows without blanks)."""
    count = _line_count(piece)
    if count == n_rows:
        return np.arange(first_line, first_line + count, dtype=np.int64)
    data = np.frombuffer(piece, dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    if len(ends) < count:
        ends = np.append(ends, len(data))
    starts = np.concatenate([[0], ends[:-1] + 1])
    length = ends - starts
    carriage = data[np.minimum(starts, len(data) - 1)] == 13
    blank = (length == 0) | ((length == 1) & carriage)
    lines = first_line + np.flatnonzero(~blank).astype(np.int64)
    if len(lines) != n_rows:
        raise ValueError(
            f"{name}, lines {first_line}-{first_line + count - 1}: cannot number the rows "
            "(a quoted field spanning lines?)."
        )
    return lines


def _numpy_columns(table, specs):
    columns = {}
    for spec in specs:
        column = table.column(spec["name"])
        if spec["kind"] == NUMERIC:
            column = column.cast(pa.float32()).fill_null(np.nan)
            columns[spec["name"]] = column.to_numpy()
        else:
            columns[spec["name"]] = column.to_numpy(zero_copy_only=False).astype(str)
    return columns


def _parquet_batches(source, specs, name, block_bytes):
    parquet = pq.ParquetFile(_open(source))
    header = list(parquet.schema_arrow.names)
    _check_columns(header, specs, name)
    for spec in specs:
        kind = parquet.schema_arrow.field(spec["name"]).type
        numeric = (
            pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
        )
        if spec["kind"] == NUMERIC and not (numeric or pa.types.is_decimal(kind)):
            raise ValueError(
                f"{name}: column {spec['name']!r} is {kind}, expected a numeric column."
            )
        if spec["kind"] == CATEGORICAL and not (
            pa.types.is_string(kind) or pa.types.is_large_string(kind)
        ):
            raise ValueError(
                f"{name}: column {spec['name']!r} is {kind}, expected a string column."
            )
    # Rows per batch from the byte budget (8 bytes a value is about what Parquet decodes to).
    rows = max(1024, block_bytes // (8 * max(len(specs), 1)))
    first = 1
    for batch in parquet.iter_batches(batch_size=rows, columns=[s["name"] for s in specs]):
        table = pa.Table.from_batches([batch])
        if any(s["kind"] == CATEGORICAL for s in specs):
            table = table.cast(
                pa.schema(
                    [
                        pa.field(
                            s["name"], pa.string() if s["kind"] == CATEGORICAL else pa.float64()
                        )
                        for s in specs
                    ]
                )
            )
            # A missing category is read as the empty string, as in a CSV.
            table = pa.table(
                {
                    s["name"]: table.column(s["name"]).fill_null("")
                    if s["kind"] == CATEGORICAL
                    else table.column(s["name"])
                    for s in specs
                }
            )
        lines = np.arange(first, first + batch.num_rows, dtype=np.int64)
        first += batch.num_rows
        yield TableBatch(_numpy_columns(table, specs), lines, [])

"""CSV and Parquet tables read by pyarrow in large record batches, with line numbers.

The CSV reader cuts the byte stream at line ends into blocks of `block_bytes` and
parses the blocks on a thread pool (pyarrow releases the GIL), so parsing uses every
core and overlaps with whatever the caller does with the previous batch. Because each
block is parsed on its own, every row keeps its 1-based line in the file, and nothing
is dropped silently: every bad row becomes exactly one error naming its line (the
first problem, the others counted), whatever is wrong with it: the wrong number of
fields, a value that is not a number in a numeric column, bytes that are not UTF-8, a
quote that never closes, a carriage return inside the line, a line longer than
`MAX_LINE_BYTES` (skipped without holding it in memory). Blank lines are not rows. A
quoted field spanning several lines is not supported (each of its lines is a bad row).
A block with a bad row is parsed again in halves until each bad line stands alone, so
one bad line costs a few extra parses of its block, not a slow path for the file.

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

from tfvae.column_kinds import CATEGORICAL, NUMERIC
from tfvae.data.csv_fields import MAX_REASON_CHARS, Chunk, read_errors_named, typed_columns
from tfvae.quoting import clean, quote

#: Longest line read (bytes); a longer one is a bad row, skipped as it is read.
MAX_LINE_BYTES = 64 << 20

#: Texts read as a missing number (NaN), as `csv_fields.typed_columns` reads them.
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
    with read_errors_named(name), _open(source) as stream:
        first = _split_header(stream, name, 1 << 16)[0]
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
        if len(data) > MAX_LINE_BYTES and b"\n" not in data:
            raise ValueError(
                f"{clean(name)}: no line end in the first {len(data)} bytes: not a CSV with a "
                "header."
            )
    line, _, rest = data.partition(b"\n")
    offset = len(line) + 1  # where the data lines start
    try:
        header = next(csv.reader([line.decode("utf-8-sig").rstrip("\r")]), None)
    except UnicodeDecodeError as error:
        raise ValueError(f"{name} is not UTF-8 text (binary or corrupt file?): {error}") from error
    if not header:
        raise ValueError(f"{name} is empty: expected a header line with column names.")
    header = [column.strip() for column in header]
    if len(set(header)) != len(header):
        raise ValueError(f"{clean(name)}: repeated column names in the header {quote(header)}.")
    return header, rest, offset


def _check_columns(header, specs, name):
    missing = [spec["name"] for spec in specs if spec["name"] not in header]
    if missing:
        raise ValueError(
            f"{clean(name)} is missing column(s) {missing} that the model takes (header: "
            f"{quote(header)})."
        )


def split_csv(stream, name, block_bytes=16 << 20, column_names=None):
    """The columns of a CSV stream and its blocks of whole lines, read as they are asked for.

    Args:
        stream: a binary file object (already decompressed).
        name: str. The file name used in messages.
        block_bytes: int. Bytes read per block.
        column_names: list of str or None. For a CSV without a header line: the names
            of its fields (its first line is then data, line 1).

    Returns:
        `(header, pieces)`: the column names, and an iterator of `(first_line, offset,
        data)` for `parse_csv_piece`: `data` holds whole lines (the last block may lack
        its final line end) starting at byte `offset` of the stream, or is None for one
        line longer than `MAX_LINE_BYTES` (starting at `offset`).

    Raises:
        ValueError: an empty file, a header that is not UTF-8 text.
    """
    if column_names is None:
        header, rest, offset = _split_header(stream, name, block_bytes)
        first_line = 2
    else:
        header, rest, first_line, offset = list(column_names), b"", 1, 0
    return header, _pieces(stream, rest, block_bytes, first_line, offset)


def _pieces(stream, rest, block_bytes, first_line, offset):
    """`(first_line, offset, bytes)` blocks ending at a line end; `(line, offset, None)`
    for an overlong line."""
    leftover = rest
    while True:
        data = stream.read(block_bytes)
        if not data:
            if leftover:
                yield first_line, offset, leftover
            return
        data = leftover + data
        cut = data.rfind(b"\n")
        if cut < 0 and len(data) > MAX_LINE_BYTES:  # skip to its end instead of holding it
            yield first_line, offset, None
            skipped, leftover = _after_line_end(stream, block_bytes)
            first_line, offset = first_line + 1, offset + len(data) + skipped
            continue
        if cut < 0:
            leftover = data
            continue
        yield first_line, offset, data[: cut + 1]
        first_line += data.count(b"\n", 0, cut + 1)
        offset += cut + 1
        leftover = data[cut + 1 :]


def _after_line_end(stream, block_bytes):
    """`(bytes skipped, bytes after the line end)` of the rest of an overlong line."""
    skipped = 0
    while True:
        data = stream.read(block_bytes)
        end = data.find(b"\n")
        if not data:
            return skipped, b""
        if end >= 0:
            return skipped + end + 1, data[end + 1 :]
        skipped += len(data)


def line_count(piece):
    """Lines in a block of `split_csv` (its last line may lack a line end)."""
    return piece.count(b"\n") + (0 if piece.endswith(b"\n") else 1)


def _csv_batches(source, specs, name, block_bytes, threads, column_names):
    stream = _open(source)
    try:
        with read_errors_named(name):
            yield from _csv_blocks(stream, specs, name, block_bytes, threads, column_names)
    finally:
        if isinstance(source, (str, os.PathLike)):
            stream.close()


def _csv_blocks(stream, specs, name, block_bytes, threads, column_names):
    header, pieces = split_csv(stream, name, block_bytes, column_names)
    _check_columns(header, specs, name)
    pending = collections.deque()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for first_line, _, piece in pieces:
            pending.append(pool.submit(parse_csv_piece, piece, first_line, header, specs))
            if len(pending) > threads:  # bounded read-ahead: memory stays ~ threads blocks
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def parse_csv_piece(piece, first_line, header, specs):
    """The rows of one block of `split_csv`: a `TableBatch` with one error per bad row.

    Never raises on bad content: a block pyarrow cannot take as a whole is parsed again
    in halves until each bad line stands alone and becomes one error.

    Args:
        piece: bytes of whole lines, or None for a line longer than `MAX_LINE_BYTES`.
        first_line: int. The 1-based file line of the block's first line.
        header: list of str. The names of the CSV's fields.
        specs: list of `{"name", "kind"}`: the columns to read.
    """
    if piece is None:
        return _bad_line(first_line, f"line longer than {MAX_LINE_BYTES} bytes, skipped", specs)
    batch = _parse_block(piece, first_line, header, specs)
    if batch is None:
        data = np.frombuffer(piece, dtype=np.uint8)
        bounds = np.concatenate([[0], np.flatnonzero(data == 10) + 1])
        if bounds[-1] != len(piece):
            bounds = np.append(bounds, len(piece))
        parts = _halves(piece, bounds, 0, len(bounds) - 1, first_line, header, specs)
        batch = _concat(list(parts), specs)
    return batch


def _halves(piece, bounds, lo, hi, first_line, header, specs):
    """Batches of lines `lo..hi-1` of a block that failed as a whole, parsed in halves."""
    if hi - lo == 1:
        line = piece[bounds[lo] : bounds[hi]]
        yield _bad_line(first_line + lo, _line_problem(line, header, specs), specs)
        return
    mid = (lo + hi) // 2
    for start, stop in ((lo, mid), (mid, hi)):
        batch = _parse_block(piece[bounds[start] : bounds[stop]], first_line + start, header, specs)
        if batch is None:
            yield from _halves(piece, bounds, start, stop, first_line, header, specs)
        else:
            yield batch


def _line_problem(line, header, specs):
    """Why one line cannot be read as one row (it failed on its own)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        return (
            f"not UTF-8 text: byte 0x{line[error.start]:02x} at column {error.start + 1} "
            "(binary data, or another encoding: save the file as UTF-8)"
        )
    body = text[:-1] if text.endswith("\n") else text
    body = body[:-1] if body.endswith("\r") else body
    if "\r" in body:
        return "a carriage return inside the line (pyarrow reads it as a line end)"
    try:
        _read(line, header, specs, {s["name"]: pa.string() for s in specs}, [])
    except pa.ArrowInvalid as error:
        return f"not a CSV row: {error}"
    return "a quoted field is not closed on this line"


def _sentinel(header):
    """A valid row appended to each block: a quote left open in the last line swallows it."""
    return (",".join(["0"] * len(header)) + "\n").encode()


def _read(data, header, specs, column_types, invalid):
    def on_invalid_row(row):
        invalid.append((row.number, row.actual_columns))
        return "skip"

    return pa_csv.read_csv(
        pa.py_buffer(data),
        read_options=pa_csv.ReadOptions(
            column_names=header, use_threads=False, block_size=len(data) + 1
        ),
        parse_options=pa_csv.ParseOptions(invalid_row_handler=on_invalid_row),
        convert_options=pa_csv.ConvertOptions(
            column_types=column_types,
            include_columns=[spec["name"] for spec in specs],
            null_values=_NULL_TEXTS,
            strings_can_be_null=False,
        ),
    )


def _parse_block(piece, first_line, header, specs):
    """The `TableBatch` of a block, or None when pyarrow cannot take it as a whole
    (bytes that are not UTF-8, a quote left open, a line pyarrow reads as two rows)."""
    try:
        piece.decode("utf-8")  # pyarrow would stop at the block (or print the bytes)
    except UnicodeDecodeError:
        return None
    data = (piece if piece.endswith(b"\n") else piece + b"\n") + _sentinel(header)
    typed = {s["name"]: pa.float64() if s["kind"] == NUMERIC else pa.string() for s in specs}
    invalid = []
    try:
        try:
            table, exact = _read(data, header, specs, typed, invalid), True
        except pa.ArrowInvalid:  # a value that is not a number: parse as text, row by row below
            invalid.clear()
            table, exact = (
                _read(data, header, specs, dict.fromkeys(typed, pa.string()), invalid),
                False,
            )
    except pa.ArrowInvalid:
        return None
    lines = _row_lines(piece, first_line)
    if table.num_rows + len(invalid) != len(lines) + 1 or any(n > len(lines) for n, _ in invalid):
        return None  # the sentinel was swallowed, or a line is not one row
    table = table.slice(0, table.num_rows - 1)
    keep = np.ones(len(lines), dtype=bool)
    errors = []
    for number, found in invalid:
        keep[number - 1] = False
        errors.append((int(lines[number - 1]), f"expected {len(header)} fields, found {found}"))
    lines = lines[keep]
    if exact:
        return TableBatch(_numpy_columns(table, specs), lines, errors)
    frame = pd.DataFrame(
        {s["name"]: table.column(s["name"]).to_numpy(zero_copy_only=False) for s in specs}
    )
    columns, lines, errors = typed_columns(
        Chunk(frame.astype(object).astype(str), lines, errors), specs
    )
    # A reason may quote the row (escape sequences, a million characters): escaped and cut.
    errors = [(line, clean(message, limit=MAX_REASON_CHARS)) for line, message in errors]
    return TableBatch(columns, lines, errors)


def _row_lines(piece, first_line):
    """File lines of the non-blank lines of `piece` (pyarrow numbers rows without blanks)."""
    count = line_count(piece)
    data = np.frombuffer(piece, dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    if len(ends) < count:
        ends = np.append(ends, len(data))
    starts = np.concatenate([[0], ends[:-1] + 1])
    length = ends - starts
    carriage = data[np.minimum(starts, max(len(data) - 1, 0))] == 13
    blank = (length == 0) | ((length == 1) & carriage)
    return first_line + np.flatnonzero(~blank).astype(np.int64)


def _empty_columns(specs):
    return {
        s["name"]: np.zeros(0, dtype=np.float32 if s["kind"] == NUMERIC else object) for s in specs
    }


def _bad_line(line, reason, specs):
    return TableBatch(
        _empty_columns(specs),
        np.zeros(0, dtype=np.int64),
        [(line, clean(reason, limit=MAX_REASON_CHARS))],
    )


def _concat(batches, specs):
    columns = _empty_columns(specs)
    return TableBatch(
        {
            name: np.concatenate([empty] + [b.columns[name] for b in batches])
            for name, empty in columns.items()
        },
        np.concatenate([np.zeros(0, dtype=np.int64)] + [b.lines for b in batches]),
        sorted(error for b in batches for error in b.errors),
    )


def _numpy_columns(table, specs):
    """Numeric columns as float32 with NaN for missing values, categorical ones as arrays of
    Python str (object dtype: a fixed-width unicode array would take the longest value's
    size for every row, gigabytes for one line of a million characters)."""
    columns = {}
    for spec in specs:
        column = table.column(spec["name"])
        if spec["kind"] == NUMERIC:
            column = column.cast(pa.float32()).fill_null(np.nan)
            columns[spec["name"]] = column.to_numpy()
        else:
            columns[spec["name"]] = column.to_numpy(zero_copy_only=False).astype(object)
    return columns


def parquet_blocks(source, specs, name=None, block_bytes=16 << 20):
    """Yields `(first_row, record_batch)` of a Parquet table: the `specs` columns, in order,
    numbers as float32.

    Args:
        source: str path, a binary file object or a `pyarrow.parquet.ParquetFile` (then
            `name` is its path).
        specs: list of `{"name", "kind"}` dicts: the columns to read.
        name: str or None. The file name used in messages.
        block_bytes: int. About the bytes of values per batch (8 a value).

    Raises:
        ValueError: a missing column, a column of the wrong type.
    """
    if isinstance(source, pq.ParquetFile):
        parquet = source
    else:
        name = os.fspath(source) if name is None else name
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
    # Numbers as float32 (what the model takes) from here: half the bytes to pass on.
    schema = pa.schema(
        [
            (s["name"], pa.float32())
            if s["kind"] == NUMERIC
            else parquet.schema_arrow.field(s["name"])
            for s in specs
        ]
    )
    first = 1
    for batch in parquet.iter_batches(batch_size=rows, columns=[s["name"] for s in specs]):
        yield first, batch.cast(schema)
        first += batch.num_rows


def parquet_table_batch(batch, first_row, specs):
    """The `TableBatch` of a record batch of `parquet_blocks` (rows numbered from `first_row`)."""
    table = pa.Table.from_batches([batch])
    if any(s["kind"] == CATEGORICAL for s in specs):
        # A missing category is read as the empty string, as in a CSV.
        table = pa.table(
            {
                s["name"]: table.column(s["name"]).cast(pa.string()).fill_null("")
                if s["kind"] == CATEGORICAL
                else table.column(s["name"])
                for s in specs
            }
        )
    lines = np.arange(first_row, first_row + batch.num_rows, dtype=np.int64)
    return TableBatch(_numpy_columns(table, specs), lines, [])


def _parquet_batches(source, specs, name, block_bytes):
    for first, batch in parquet_blocks(source, specs, name, block_bytes):
        yield parquet_table_batch(batch, first, specs)

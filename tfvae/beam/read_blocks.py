"""`ReadBlocks`: CSV/Parquet files -> keyed blocks of model inputs, and one dead letter per bad row.

A file is read by one worker, which only cuts it into blocks of whole lines (CSV) or
record batches (Parquet) and counts lines; the blocks are spread over the workers, which
parse them with the same pyarrow reader as `tfvae score` (`tfvae.data.table_reader`).
Nothing stops the job: a bad row is one dead-letter record (file, line, reason), a file
that cannot be opened or read is one record naming the file (and the line it stopped at).
"""

import gzip
import time

import apache_beam as beam
import numpy as np
import pyarrow as pa
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from tfvae.column_kinds import CATEGORICAL
from tfvae.data.csv_fields import MAX_REASON_CHARS, read_errors_named
from tfvae.data.table_reader import (
    is_parquet,
    line_count,
    parquet_blocks,
    parquet_table_batch,
    parse_csv_piece,
    split_csv,
)
from tfvae.quoting import clean, quote

DEAD_LETTER = "dead_letter"
NAMESPACE = "tfvae"
#: The dead-letter records: `line` is empty when a file cannot be opened at all.
DEAD_LETTER_SCHEMA = pa.schema(
    [("file", pa.string()), ("line", pa.int64()), ("reason", pa.string())]
)
#: What a block holds: a byte range of a plain CSV, the bytes of a gzipped one, a Parquet
#: record batch (Arrow IPC bytes), or nothing for a line longer than `MAX_LINE_BYTES`.
RANGE, CSV_BYTES, ARROW, LONG_LINE = "range", "csv", "arrow", "long line"
#: Errors that mean a file cannot be read (any other error is a bug and stops the job).
READ_ERRORS = (OSError, ValueError, EOFError, pa.ArrowException)


def read_specs(inputs, header, key_column, name):
    """`(model specs, specs to read)` of a table: the model's columns, and the id column if any.

    Raises:
        ValueError: a column the model takes, or the id column, is missing.
    """
    if key_column and key_column not in header:
        raise ValueError(
            f"{clean(name)} has no id column {quote(key_column)} (header: {quote(list(header))})."
        )
    try:
        specs = inputs.specs([c for c in header if c != key_column])
    except ValueError as error:
        raise ValueError(f"{clean(name)}: {error}") from None
    return specs, specs + ([{"name": key_column, "kind": CATEGORICAL}] if key_column else [])


def mark_time(name):
    """Records now (ms since the epoch) in a distribution: its min and max bound the work."""
    beam.metrics.Metrics.distribution(NAMESPACE, name).update(int(time.time() * 1000))


def dead_letters(path, errors):
    """The dead-letter table of `(line, reason)` pairs of one file."""
    lines, reasons = zip(*errors) if errors else ((), ())
    return pa.table(
        [pa.array([path] * len(lines)), pa.array(lines, pa.int64()), pa.array(reasons)],
        schema=DEAD_LETTER_SCHEMA,
    )


def open_table(path):
    """A binary stream of a file on any Beam filesystem, gunzipped for `.gz` by Python's
    reader (a truncated file is an error, not fewer rows)."""
    raw = FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)
    return gzip.GzipFile(fileobj=raw, mode="rb") if path.lower().endswith(".gz") else raw


class _CutFile(beam.DoFn):
    """A file path -> `(path, header, first line/row, block)`; unreadable files -> dead letters.

    A block is `(RANGE, offset, length)` of a plain CSV, `(CSV_BYTES, data)` of a
    gzipped one, `(ARROW, ipc_bytes)` of a Parquet file, or `(LONG_LINE,)`.
    """

    def __init__(self, inputs, key_column, block_bytes):
        self.inputs, self.key_column, self.block_bytes = inputs, key_column, block_bytes

    def process(self, path):
        mark_time("first_file_ms")
        where = {"line": None}  # the first line (or row) not passed on yet
        try:
            with open_table(path) as stream, read_errors_named(path):
                yield from self._blocks(stream, path, where)
        except READ_ERRORS as error:
            beam.metrics.Metrics.counter(NAMESPACE, "unreadable_files").inc()
            start = "" if where["line"] is None else f" from line {where['line']} on"
            reason = clean(f"the file cannot be read{start}: {error}", limit=MAX_REASON_CHARS)
            yield beam.pvalue.TaggedOutput(
                DEAD_LETTER, dead_letters(path, [(where["line"], reason)])
            )

    def _blocks(self, stream, path, where):
        if is_parquet(path):
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(stream)
            read = read_specs(self.inputs, parquet.schema_arrow.names, self.key_column, path)[1]
            where["line"] = 1
            for first, batch in parquet_blocks(parquet, read, path, self.block_bytes):
                beam.metrics.Metrics.counter(NAMESPACE, "lines_cut").inc(batch.num_rows)
                yield path, tuple(batch.schema.names), first, (ARROW, _ipc(batch))
                where["line"] = first + batch.num_rows
            if where["line"] != parquet.metadata.num_rows + 1:
                raise ValueError(
                    f"{path}: {where['line'] - 1} rows read of {parquet.metadata.num_rows}."
                )
            return
        header, pieces = split_csv(stream, path, self.block_bytes)
        read_specs(self.inputs, header, self.key_column, path)
        where["line"] = 2
        # A plain file is read again by the workers, a range each: only the ranges travel
        # through the shuffle. A gzip file cannot be read from the middle: its blocks do.
        ranges = not path.lower().endswith(".gz")
        for first, offset, piece in pieces:
            if piece is None:
                block = (LONG_LINE,)
            else:
                block = (RANGE, offset, len(piece)) if ranges else (CSV_BYTES, piece)
            lines = 1 if piece is None else line_count(piece)
            beam.metrics.Metrics.counter(NAMESPACE, "lines_cut").inc(lines)
            yield path, tuple(header), first, block
            where["line"] = first + lines


def _ipc(batch):
    """A record batch as Arrow IPC bytes: one copy through the shuffle, where pickling it
    took a quarter more of the job's time."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


class _ParseBlock(beam.DoFn):
    """A cut block -> `(keys, model input)` and a dead-letter table of its bad rows."""

    def __init__(self, inputs, key_column):
        self.inputs, self.key_column = inputs, key_column
        self._open = None  # (path, stream) of the file ranges were last read from

    def process(self, element):
        path, header, first, (kind, *payload) = element
        specs, read = read_specs(self.inputs, header, self.key_column, path)
        if kind == ARROW:
            record_batch = pa.ipc.open_stream(payload[0]).read_next_batch()
            batch, lines = parquet_table_batch(record_batch, first, read), record_batch.num_rows
        else:
            if kind == RANGE:
                piece = self._read_range(path, *payload)
            else:
                piece = payload[0] if kind == CSV_BYTES else None
            batch = parse_csv_piece(piece, first, list(header), read)
            lines = 1 if piece is None else line_count(piece)
        beam.metrics.Metrics.counter(NAMESPACE, "rows_read").inc(
            len(batch.lines) + len(batch.errors)
        )
        beam.metrics.Metrics.counter(NAMESPACE, "lines_parsed").inc(lines)
        if batch.errors:
            beam.metrics.Metrics.counter(NAMESPACE, "bad_rows").inc(len(batch.errors))
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, dead_letters(path, batch.errors))
        if len(batch.lines):
            if self.key_column:
                keys = pa.table({self.key_column: pa.array(batch.columns[self.key_column])})
            else:
                keys = pa.table(
                    {
                        "file": pa.array(np.full(len(batch.lines), path, dtype=object)),
                        "line": pa.array(batch.lines),
                    }
                )
            yield keys, self.inputs.batch(batch.columns, specs)

    def _read_range(self, path, offset, length):
        if self._open is None or self._open[0] != path:
            self.finish_bundle()
            self._open = (path, open_table(path))
        stream = self._open[1]
        stream.seek(offset)
        data = stream.read(length)
        if len(data) != length:
            raise OSError(f"{path} changed while the job read it: rerun on a file left alone.")
        return data

    def finish_bundle(self):
        if self._open is not None:
            self._open[1].close()
            self._open = None


class ReadBlocks(beam.PTransform):
    """File patterns -> `{"blocks": (keys, model input), "dead_letter": pyarrow tables}`.

    `keys` is a pyarrow table of the block's `file` and `line` (or its id column), in
    the order of the model input's rows. Counters (namespace `tfvae`): `rows_read`,
    `bad_rows`, `unreadable_files`; distribution `first_file_ms` (when files were opened).

    Args:
        inputs: a `ModelInputs`: the columns the model takes.
        key_column: str or None. A column holding row ids to key rows by.
        block_bytes: int. Bytes of CSV per block (Parquet: about that many bytes of values).
    """

    def __init__(self, inputs, key_column=None, block_bytes=1 << 20):
        super().__init__()
        if int(block_bytes) < 1:
            raise ValueError(
                f"Expected `block_bytes` to be a positive int. Received: block_bytes={block_bytes!r}"
            )
        self.inputs, self.key_column, self.block_bytes = inputs, key_column, int(block_bytes)

    def expand(self, patterns):
        cut = (
            patterns
            | "Match" >> fileio.MatchAll()
            | "Paths" >> beam.Map(lambda metadata: metadata.path)
            | "Cut"
            >> beam.ParDo(_CutFile(self.inputs, self.key_column, self.block_bytes)).with_outputs(
                DEAD_LETTER, main="blocks"
            )
        )
        parsed = (
            cut.blocks
            | "Spread" >> beam.Reshuffle()  # one file would otherwise stay on one worker
            | "Parse"
            >> beam.ParDo(_ParseBlock(self.inputs, self.key_column)).with_outputs(
                DEAD_LETTER, main="blocks"
            )
        )
        dead = (cut[DEAD_LETTER], parsed[DEAD_LETTER]) | "Dead letters" >> beam.Flatten()
        return {"blocks": parsed.blocks, DEAD_LETTER: dead}

"""The Beam scoring pipeline: CSV/Parquet shards -> keyed rows -> RunInference -> files.

Nothing is lost: every data row of every input file ends either in the scores (with
its key) or in the dead-letter output (file, line, reason), and `score_files` checks
`rows read = scored + dead letter` from the pipeline's counters.
"""

import csv
import io
import time

import apache_beam as beam
import pyarrow as pa
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.ml.inference.base import KeyedModelHandler, RunInference
from apache_beam.options.pipeline_options import PipelineOptions

from tfvae.beam.export_model_handler import SCORE_KEYS, ExportModelHandler
from tfvae.data.arrow_batches import iter_table_batches, read_header
from tfvae.data.column_stats import CATEGORICAL

DEAD_LETTER = "dead_letter"
NAMESPACE = "tfvae"
#: Output file kinds: `<prefix>-scores-SSSSS-of-NNNNN.<format>` and `<prefix>-dead_letter-...`.
OUTPUTS = ("scores", DEAD_LETTER)
FORMATS = ("parquet", "csv")
#: Used when no runner option is given: DirectRunner, one worker process per core.
DEFAULT_OPTIONS = [
    "--runner=DirectRunner",
    "--direct_running_mode=multi_processing",
    "--direct_num_workers=0",
]
_INT_FIELDS = ("line", "is_anomaly", "valid")


def key_fields(key_column=None):
    """Names of the key columns of the scores: `file`, `line`, or the id column."""
    return (key_column,) if key_column else ("file", "line")


def read_specs(inputs, header, key_column, name):
    """Columns to read from a table: the model's, and the id column if any."""
    if key_column and key_column not in header:
        raise ValueError(f"{name} has no id column {key_column!r} (header: {header}).")
    specs = inputs.specs([c for c in header if c != key_column])
    return specs, specs + ([{"name": key_column, "kind": CATEGORICAL}] if key_column else [])


class _ReadRows(beam.DoFn):
    """A matched file -> `(key, row)` per data row, and dead letters for rows that fail."""

    def __init__(self, inputs, key_column=None, block_bytes=16 << 20):
        self.inputs, self.key_column, self.block_bytes = inputs, key_column, block_bytes

    def process(self, readable):
        name = readable.metadata.path
        header = read_header(readable.open(mime_type="application/octet-stream"), name=name)
        specs, all_specs = read_specs(self.inputs, header, self.key_column, name)
        with readable.open(mime_type="application/octet-stream") as stream:
            yield from self._rows(stream, name, specs, all_specs)

    def _rows(self, stream, name, specs, all_specs):
        read = beam.metrics.Metrics.counter(NAMESPACE, "rows_read")
        dead = beam.metrics.Metrics.counter(NAMESPACE, "dead_letter")
        for batch in iter_table_batches(
            stream, all_specs, name=name, block_bytes=self.block_bytes, threads=1
        ):
            read.inc(len(batch.lines) + len(batch.errors))
            dead.inc(len(batch.errors))
            for line, reason in batch.errors:
                yield beam.pvalue.TaggedOutput(
                    DEAD_LETTER, {"file": name, "line": int(line), "reason": reason}
                )
            keys = (
                [(str(i),) for i in batch.columns[self.key_column]]
                if self.key_column
                else [(name, line) for line in batch.lines.tolist()]
            )
            yield from zip(keys, _plain_rows(self.inputs.batch(batch.columns, specs)))


def _plain_rows(rows):
    """Rows as tuples of floats or dicts of Python values: Beam's fast coder takes them
    natively, where numpy values would be pickled one by one (ten times slower)."""
    if isinstance(rows, dict):
        names, columns = list(rows), [values.tolist() for values in rows.values()]
        return (dict(zip(names, values)) for values in zip(*columns))
    return map(tuple, rows.reshape(len(rows), -1).tolist())


def _record(keyed, fields, feature_names):
    key, result = keyed
    beam.metrics.Metrics.counter(NAMESPACE, "scored").inc()
    record = dict(zip(fields, key))
    record.update({k: int(result[k]) if k in _INT_FIELDS else float(result[k]) for k in SCORE_KEYS})
    if "feature_errors" in result:
        record.update({name: float(v) for name, v in zip(feature_names, result["feature_errors"])})
    return record


class ScoreTables(beam.PTransform):
    """File patterns -> `{"scores": records, "dead_letter": records}`.

    Reads every CSV/Parquet file the patterns match (any Beam filesystem), keys each
    row by `(file, line)` or by its id column, spreads the rows over the workers,
    and scores them with `RunInference(KeyedModelHandler(handler))`.

    Args:
        handler: an `ExportModelHandler`.
        key_column: str or None. A column holding row ids to key rows by.
        block_bytes: int. Bytes of CSV parsed per block.
    """

    def __init__(self, handler, key_column=None, block_bytes=16 << 20):
        super().__init__()
        self.handler, self.key_column, self.block_bytes = handler, key_column, block_bytes

    def expand(self, patterns):
        read = (
            patterns
            | "Match" >> fileio.MatchAll()
            | "Open" >> fileio.ReadMatches()
            | "Read"
            >> beam.ParDo(
                _ReadRows(self.handler.inputs, self.key_column, self.block_bytes)
            ).with_outputs(DEAD_LETTER, main="rows")
        )
        scores = (
            read.rows
            | "Spread" >> beam.Reshuffle()  # one file would otherwise stay on one worker
            | "Score" >> RunInference(KeyedModelHandler(self.handler))
            | "Record"
            >> beam.Map(_record, key_fields(self.key_column), feature_columns(self.handler))
        )
        return {"scores": scores, DEAD_LETTER: read[DEAD_LETTER]}


def feature_columns(handler):
    """Output columns of the per-feature errors (empty unless asked for)."""
    if not handler.feature_errors:
        return ()
    names = handler.inputs.names or [str(i) for i in range(handler.inputs.width)]
    return tuple(f"feature_error:{name}" for name in names)


def output_schema(kind, key_column=None, feature_names=()):
    """The pyarrow schema of the scores or dead-letter output."""
    if kind == DEAD_LETTER:
        return pa.schema([("file", pa.string()), ("line", pa.int64()), ("reason", pa.string())])
    keys = (
        [(key_column, pa.string())] if key_column else [("file", pa.string()), ("line", pa.int64())]
    )
    scores = [(k, pa.int8() if k in _INT_FIELDS else pa.float32()) for k in SCORE_KEYS]
    return pa.schema(keys + scores + [(name, pa.float32()) for name in feature_names])


def _csv_line(record, names):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([record[name] for name in names])
    return buffer.getvalue()


def write_output(records, prefix, kind, schema, output_format):
    """Writes records to `<prefix>-<kind>-SSSSS-of-NNNNN.<format>`."""
    path = f"{prefix}-{kind}"
    if output_format == "parquet":
        return records | f"Write {kind}" >> beam.io.WriteToParquet(
            path, schema, file_name_suffix=".parquet"
        )
    return (
        records
        | f"Format {kind}" >> beam.Map(_csv_line, schema.names)
        | f"Write {kind}"
        >> beam.io.WriteToText(path, file_name_suffix=".csv", header=",".join(schema.names))
    )


def existing_outputs(prefix, output_format):
    """Paths of the output shards already at `prefix` (scores and dead letters)."""
    patterns = [f"{prefix}-{kind}-*-of-*.{output_format}" for kind in OUTPUTS]
    return sorted(m.path for result in FileSystems.match(patterns) for m in result.metadata_list)


def pipeline_options(pipeline_args):
    """Beam options: DirectRunner on every core unless the arguments pick a runner.

    Raises:
        ValueError: an argument Beam does not know (a typo would otherwise be ignored).
    """
    args = list(pipeline_args or [])
    if not any(a == "--runner" or a.startswith("--runner=") for a in args):
        args = DEFAULT_OPTIONS + args
    options = PipelineOptions(args)
    unknown = set(options.get_all_options(retain_unknown_options=True)) - set(
        options.get_all_options()
    )
    if unknown:
        raise ValueError(f"Unknown pipeline option(s): {sorted('--' + u for u in unknown)}.")
    return options


def _input_files(pattern, output_files):
    matched = [m.path for m in FileSystems.match([pattern])[0].metadata_list]
    if not matched:
        raise FileNotFoundError(f"No file matches --input {pattern!r}.")
    clash = sorted(set(matched) & set(output_files))
    if clash:
        raise ValueError(
            f"--input {pattern!r} matches output file(s) {clash[:3]}: choose another --output prefix."
        )
    return matched


def score_files(
    export_dir,
    input_pattern,
    output_prefix,
    output_format="parquet",
    key_column=None,
    feature_errors=False,
    overwrite=False,
    max_batch_size=4096,
    pipeline_args=None,
):
    """Runs the Beam scoring pipeline and returns its summary.

    Args:
        export_dir: str. An export version folder (`tfvae export` output).
        input_pattern: str. Glob of CSV (`.csv`, `.csv.gz`) or Parquet files.
        output_prefix: str. Writes `<prefix>-scores-*` and `<prefix>-dead_letter-*`.
        output_format: `"parquet"` or `"csv"`.
        key_column: str or None. Key rows by this id column instead of file and line.
        feature_errors: bool. Add per-feature squared errors (numeric models).
        overwrite: bool. Replace existing outputs at the prefix.
        max_batch_size: int. Largest batch per model call.
        pipeline_args: list of str. Beam pipeline options (`--runner`, ...).

    Returns:
        A dict: `files`, `rows`, `scored`, `dead_letter`, `seconds` and `rows_per_s`
        (the pipeline run, workers' start-up included), `outputs`.

    Raises:
        FileExistsError: outputs exist and `overwrite` is False.
        ValueError: a bad option, a file missing the model's columns, lost rows.
    """
    if output_format not in FORMATS:
        raise ValueError(
            f"Expected `output_format` in {FORMATS}. Received: output_format={output_format!r}"
        )
    options = pipeline_options(pipeline_args)
    previous = existing_outputs(output_prefix, output_format)
    if previous and not overwrite:
        raise FileExistsError(
            f"{len(previous)} output file(s) exist at {output_prefix} (e.g. {previous[0]}); "
            "pass --overwrite to replace them."
        )
    files = _input_files(input_pattern, previous)
    handler = ExportModelHandler(
        export_dir, feature_errors=feature_errors, max_batch_size=max_batch_size
    )
    for path in files:  # a file without the model's columns fails here, before any work
        with FileSystems.open(path, mime_type="application/octet-stream") as stream:
            read_specs(handler.inputs, read_header(stream, name=path), key_column, path)
    pipeline = beam.Pipeline(options=options)
    outputs = (
        pipeline | "Patterns" >> beam.Create([input_pattern]) | ScoreTables(handler, key_column)
    )
    schemas = {
        "scores": output_schema("scores", key_column, feature_columns(handler)),
        DEAD_LETTER: output_schema(DEAD_LETTER),
    }
    for kind in OUTPUTS:
        write_output(outputs[kind], output_prefix, kind, schemas[kind], output_format)
    start = time.perf_counter()
    result = pipeline.run()
    result.wait_until_finish()
    seconds = time.perf_counter() - start
    counts = _counters(result)
    if counts["rows_read"] != counts["scored"] + counts[DEAD_LETTER]:
        raise ValueError(f"Rows were lost: {counts} (rows_read should equal scored + dead_letter).")
    written = existing_outputs(output_prefix, output_format)
    stale = sorted(set(previous) - set(written))
    if stale:  # old shards of another shard count, replaced now that the new ones exist
        FileSystems.delete(stale)
    return {
        "files": len(files),
        "rows": counts["rows_read"],
        "scored": counts["scored"],
        "dead_letter": counts[DEAD_LETTER],
        "seconds": round(seconds, 3),
        "rows_per_s": round(counts["rows_read"] / max(seconds, 1e-9)),
        "outputs": written,
    }


def _counters(result):
    from apache_beam.metrics.metric import MetricsFilter

    counts = {"rows_read": 0, "scored": 0, DEAD_LETTER: 0}
    for counter in result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))["counters"]:
        if counter.key.metric.name in counts:
            counts[counter.key.metric.name] += int(counter.committed or 0)
    return counts


__all__ = ["ScoreTables", "score_files"]

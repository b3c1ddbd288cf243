"""The Beam scoring pipeline: CSV/Parquet files -> blocks -> one signature call per block -> files.

Rows travel in blocks (a few thousand rows with their keys); each worker process loads
the export once (`apache_beam.utils.shared.Shared`) and scores a block in one call of its
signature. Nothing is lost: every data row ends either in the scores (with its key) or
as one record in the dead-letter output, and `score_files` checks
`rows read = scored + bad rows` from the pipeline's counters.
"""

import os
import time

import apache_beam as beam
import pyarrow as pa
from apache_beam.ml.inference.base import KeyedModelHandler, RunInference
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.utils.shared import Shared

from tfvae.beam import output_files
from tfvae.beam.export_model_handler import ExportModelHandler
from tfvae.beam.read_blocks import (
    DEAD_LETTER,
    DEAD_LETTER_SCHEMA,
    NAMESPACE,
    READ_ERRORS,
    ReadBlocks,
    mark_time,
    open_table,
    read_specs,
)
from tfvae.data.table_files import list_table_files
from tfvae.data.table_reader import is_parquet, read_header
from tfvae.quoting import clean

#: Used when no runner option is given: DirectRunner, one worker thread per core in this
#: process. Threads share one TensorFlow and one loaded export, and the blocks they pass
#: are not serialised; worker processes each load TensorFlow (about 0.6 GB) and take the
#: blocks over gRPC: twice the memory, and slower (benchmarks/results/beam_throughput.md).
DEFAULT_OPTIONS = [
    "--runner=DirectRunner",
    "--direct_running_mode=multi_threading",
    "--direct_num_workers=0",
]
#: Bytes of CSV per block (about 6,000 rows of 16 numbers).
BLOCK_BYTES = 1 << 20
COUNTERS = ("lines_cut", "lines_parsed", "rows_read", "scored", "bad_rows", "unreadable_files")


class _ScoreBlocks(beam.DoFn):
    """`(keys, block)` -> `(keys, outputs)`: the handler's model, loaded once per process."""

    def __init__(self, handler):
        self.handler = handler
        self._shared = Shared()

    def setup(self):
        self._model = self._shared.acquire(self.handler.load_model, tag=self.handler.export_dir)

    def process(self, element):
        keys, block = element
        yield keys, self.handler.run_inference([block], self._model)[0]


def _scores_table(scored, handler, schema):
    keys, values = scored
    beam.metrics.Metrics.counter(NAMESPACE, "scored").inc(keys.num_rows)
    mark_time("block_scored_ms")
    columns = [keys.column(name) for name in keys.column_names] + handler.output_columns(values)
    return pa.Table.from_arrays(columns, schema=schema)


def scores_schema(handler, key_column=None):
    """The pyarrow schema of the scores: the keys, then the handler's outputs."""
    keys = (
        [(key_column, pa.string())] if key_column else [("file", pa.string()), ("line", pa.int64())]
    )
    return pa.schema(keys + list(handler.output_schema()))


class ScoreTables(beam.PTransform):
    """File patterns -> `{"scores": pyarrow tables, "dead_letter": pyarrow tables}`.

    Reads every CSV/Parquet file the patterns match (any Beam filesystem) in blocks,
    spreads the blocks over the workers, and scores each block in one call of the
    export's signature. Each output element is a block: the keys (`file` and `line`, or
    the id column) and the scores of its rows, aligned; dead letters are `file`, `line`,
    `reason`. The export is loaded and checked here, when the pipeline is built.

    Args:
        handler: an `ExportModelHandler`.
        key_column: str or None. A column holding row ids to key rows by.
        block_bytes: int. Bytes of CSV per block.
        run_inference: bool. Score with Beam's `RunInference` (the handler takes
            blocks) instead of a `DoFn` sharing the model; both load it once per
            worker process (`benchmarks/beam_throughput.py` compares them).
    """

    def __init__(self, handler, key_column=None, block_bytes=BLOCK_BYTES, run_inference=False):
        super().__init__()
        self.handler, self.key_column = handler, key_column
        self.block_bytes, self.run_inference = block_bytes, bool(run_inference)

    def expand(self, patterns):
        if self.handler.outputs is None:
            self.handler.check()
        read = patterns | ReadBlocks(self.handler.inputs, self.key_column, self.block_bytes)
        if self.run_inference:
            scored = read["blocks"] | "Score" >> RunInference(KeyedModelHandler(self.handler))
        else:
            scored = read["blocks"] | "Score" >> beam.ParDo(_ScoreBlocks(self.handler))
        schema = scores_schema(self.handler, self.key_column)
        scores = scored | "Table" >> beam.Map(_scores_table, self.handler, schema)
        return {"scores": scores, DEAD_LETTER: read[DEAD_LETTER]}


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


def _input_files(pattern, output_files_now):
    """The files of `--input`: local ones as `tfvae score` lists them (a file, a glob, a
    folder of tables), others by Beam's filesystems (`gs://...`)."""
    from apache_beam.io.filesystems import FileSystems

    if "://" in pattern:
        matched = sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
        if not matched:
            raise FileNotFoundError(f"No file matches --input {pattern!r}.")
    else:
        matched = list_table_files(pattern)
    clash = sorted(set(matched) & set(output_files_now))
    if clash:
        raise ValueError(
            f"--input {pattern!r} matches output file(s) {clash[:3]}: choose another --output prefix."
        )
    return matched


def _check_headers(files, handler, key_column):
    """Fails before launch when a readable file lacks the model's columns (a wrong table or
    model); a file that cannot be read is left to the job, which dead-letters it."""
    for path in files:
        try:
            with open_table(path) as stream:
                if is_parquet(path):
                    import pyarrow.parquet as pq

                    header = pq.ParquetFile(stream).schema_arrow.names
                else:
                    header = read_header(stream, name=path)
        except READ_ERRORS:
            continue
        read_specs(handler.inputs, header, key_column, path)


def _escape(path):
    """A path as a Beam pattern matching only itself."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in path)


def build_pipeline(options, files, handler, prefix, output_format, key_column=None, **kwargs):
    """The scoring pipeline over `files`, writing its blocks to `<prefix>-scores-*` and
    `<prefix>-dead_letter-*`.

    Args:
        options: `PipelineOptions` (`pipeline_options`).
        files: list of str. The input files.
        handler: a checked `ExportModelHandler`.
        prefix: str. Where the shards are written (`output_files.staged(...).prefix`, in
            the staging folder).
        output_format: `"parquet"` or `"csv"`.
        key_column: str or None. Key rows by this id column.
        **kwargs: `block_bytes`, `run_inference` for `ScoreTables`.

    Returns:
        A `beam.Pipeline`, not run.
    """
    pipeline = beam.Pipeline(options=options)
    outputs = (
        pipeline
        | "Files" >> beam.Create([_escape(path) for path in files])
        | ScoreTables(handler, key_column, **kwargs)
    )
    schemas = {"scores": scores_schema(handler, key_column), DEAD_LETTER: DEAD_LETTER_SCHEMA}
    for kind in output_files.KINDS:
        output_files.write_blocks(outputs[kind], prefix, kind, schemas[kind], output_format)
    return pipeline


def score_files(
    export_dir,
    input_pattern,
    output_prefix,
    output_format="parquet",
    key_column=None,
    feature_errors=False,
    overwrite=False,
    block_bytes=BLOCK_BYTES,
    pipeline_args=None,
    run_inference=False,
):
    """Runs the Beam scoring pipeline and returns its summary.

    Everything that can be checked is checked before the job starts (options, output
    prefix, existing outputs, input files and their columns, the export loaded once).

    Args:
        export_dir: str. An export version folder (`tfvae export` output).
        input_pattern: str. Glob of CSV (`.csv`, `.csv.gz`) or Parquet files.
        output_prefix: str. Writes `<prefix>-scores-*` and `<prefix>-dead_letter-*`.
        output_format: `"parquet"` or `"csv"`.
        key_column: str or None. Key rows by this id column instead of file and line.
        feature_errors: bool. Add per-feature squared errors (numeric models).
        overwrite: bool. Replace the outputs of this prefix.
        block_bytes: int. Bytes of CSV per block.
        pipeline_args: list of str. Beam pipeline options (`--runner`, ...).
        run_inference: bool. Score with Beam's `RunInference` (see `ScoreTables`).

    Returns:
        A dict: `files`, `rows` (data rows read), `scored`, `bad_rows`,
        `unreadable_files`, `dead_letter` (records: bad rows + unreadable files),
        `seconds` and `rows_per_s` (the pipeline run, workers' start-up included),
        `workers` (DirectRunner), `work_seconds` (from the first file opened to the last
        block scored) and `rows_per_s_per_worker` (rows / work_seconds / workers),
        `outputs`.

    Raises:
        FileExistsError: outputs exist and `overwrite` is False.
        ValueError: a bad option, prefix or export; a file without the model's columns.
        RuntimeError: the counters do not add up (a bug; nothing is published).
    """
    options, previous = _check_options(output_format, output_prefix, pipeline_args, overwrite)
    files, handler = _check_inputs(export_dir, input_pattern, previous, feature_errors, key_column)
    with output_files.staged(output_prefix, output_format, overwrite) as staged:
        counts, seconds = _run_job(
            options, files, handler, staged, output_format, key_column, block_bytes, run_inference
        )
    return _summary(files, counts, seconds, staged.outputs, _workers(options))


def _check_options(output_format, output_prefix, pipeline_args, overwrite):
    """Checks the options and the outputs of `score_files`: first, as they cost nothing.

    Returns:
        The Beam pipeline options and the outputs of this prefix already there (which
        `overwrite` allows to replace).
    """
    if output_format not in output_files.FORMATS:
        raise ValueError(
            f"Expected `output_format` in {output_files.FORMATS}. "
            f"Received: output_format={output_format!r}"
        )
    output_files.check_prefix(output_prefix)
    options = pipeline_options(pipeline_args)
    previous = output_files.existing_outputs(output_prefix, output_format)
    if previous and not overwrite:
        raise FileExistsError(
            f"{len(previous)} output file(s) exist at {clean(output_prefix)} (e.g. "
            f"{clean(previous[0])}); "
            "pass --overwrite to replace them."
        )
    return options, previous


def _check_inputs(export_dir, input_pattern, previous, feature_errors, key_column):
    """Lists the input files (refusing the `previous` outputs) and loads the export once.

    Returns:
        The input files and the export's model handler, checked against the files' columns.
    """
    files = _input_files(input_pattern, previous)
    handler = ExportModelHandler(export_dir, feature_errors=feature_errors).check()
    _check_headers(files, handler, key_column)
    return files, handler


def _run_job(options, files, handler, staged, output_format, key_column, block_bytes, inference):
    """Builds and runs the job writing under `staged.prefix`.

    Returns:
        The job's counters (checked: `_check_counts`) and the seconds it ran.
    """
    pipeline = build_pipeline(
        options,
        files,
        handler,
        staged.prefix,
        output_format,
        key_column,
        block_bytes=block_bytes,
        run_inference=inference,
    )
    start = time.perf_counter()
    result = pipeline.run()
    result.wait_until_finish()
    seconds = time.perf_counter() - start
    counts = _counters(result)
    _check_counts(counts)
    return counts, seconds


def _check_counts(counts):
    """Raises `RuntimeError` (a bug: nothing is published) unless every line cut from the
    files was parsed and every row read was scored or dead-lettered."""
    if counts["lines_cut"] != counts["lines_parsed"]:
        raise RuntimeError(f"Blocks were lost between reading and parsing: {counts}.")
    if counts["rows_read"] != counts["scored"] + counts["bad_rows"]:
        raise RuntimeError(f"Rows were lost: {counts} (rows_read != scored + bad_rows).")


def _summary(files, counts, seconds, written, workers):
    work = counts.pop("work_seconds")
    per_worker = counts["rows_read"] / work / workers if work and workers else None
    return {
        "files": len(files),
        "rows": counts["rows_read"],
        "scored": counts["scored"],
        "bad_rows": counts["bad_rows"],
        "unreadable_files": counts["unreadable_files"],
        "dead_letter": counts["bad_rows"] + counts["unreadable_files"],
        "seconds": round(seconds, 3),
        "rows_per_s": round(counts["rows_read"] / max(seconds, 1e-9)),
        "workers": workers,
        "work_seconds": None if work is None else round(work, 3),
        "rows_per_s_per_worker": None if per_worker is None else round(per_worker),
        "outputs": written,
    }


def _workers(options):
    """Worker count of a DirectRunner job (None for other runners: they scale on their own)."""
    direct = options.get_all_options()
    if direct.get("runner") not in (None, "DirectRunner", "direct"):
        return None
    if direct.get("direct_running_mode") == "in_memory":
        return 1
    return int(direct.get("direct_num_workers") or 0) or os.cpu_count() or 1


def _counters(result):
    """The job's counters, and `work_seconds`: from the first file opened to the last block
    scored (the job after its start-up), None when nothing was scored."""
    from apache_beam.metrics.metric import MetricsFilter

    metrics = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    counts = dict.fromkeys(COUNTERS, 0)
    for counter in metrics["counters"]:
        if counter.key.metric.name in counts:
            counts[counter.key.metric.name] += int(counter.committed or 0)
    times = {}
    for distribution in metrics["distributions"]:
        value, name = distribution.committed, distribution.key.metric.name
        if value is not None and value.count:
            low, high = times.get(name, (value.min, value.max))
            times[name] = (min(low, value.min), max(high, value.max))
    if "first_file_ms" in times and "block_scored_ms" in times:
        counts["work_seconds"] = (times["block_scored_ms"][1] - times["first_file_ms"][0]) / 1000
    else:
        counts["work_seconds"] = None
    return counts


__all__ = ["ScoreTables", "build_pipeline", "score_files"]

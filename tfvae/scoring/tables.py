"""Fast single-machine scoring of a CSV or Parquet table into a CSV or Parquet file.

pyarrow parses the input in large blocks on every core (`table_reader`), the traced
scorer (`tfvae.scoring.scores.batch_scorer`) scores each block, and a pyarrow writer streams
the result to a temporary file renamed into place at the end. Memory is bounded by a
few blocks, never by the file.
"""

import concurrent.futures
import contextlib
import gzip
import os
import time
import typing

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from tfvae.atomic import atomic_path, check_output
from tfvae.data.table_reader import is_parquet, iter_table_batches, read_header
from tfvae.quoting import clean
from tfvae.saving import as_model
from tfvae.scoring.scores import batch_scorer
from tfvae.serving import SERVED_OUTPUTS, ModelInputs

MAX_REPORTED_ERRORS = 1000

OUTPUT_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("score", pa.float32()),
        ("kl", pa.float32()),
        ("reconstruction_error", pa.float32()),
        ("is_anomaly", pa.int8()),
        ("valid", pa.int8()),
        ("error", pa.string()),
    ]
)


def score_table(
    model, path, out_path, batch_size=65536, block_bytes=16 << 20, overwrite=False, progress=None
):
    """Scores every row of a CSV/Parquet table into `out_path`, in file order.

    The output (CSV, or Parquet when `out_path` ends in `.parquet`) has one row per
    input data row: `line` (1-based line of a CSV, row of a Parquet file), `score`,
    `kl`, `reconstruction_error`, `is_anomaly` (1/0, empty while the model has no
    threshold), `valid` (0 for rows with missing or infinite features) and `error`
    (why the row could not be scored; its scores are then empty).

    Args:
        model: a tfvae VAE (numeric or raw-column), a fitted detector, or a `.keras` path.
        path: str. Input `.csv`, `.csv.gz` or `.parquet` with a header. Columns the
            model does not read (a label, an id) are ignored and listed in the report.
        out_path: str. Output path, written to a temporary file then renamed.
        batch_size: int. Rows per model call.
        block_bytes: int. Bytes of CSV parsed per block (the memory bound).
        overwrite: bool. Replace an existing output. Without it, an output that
            exists when scoring ends (another run wrote it meanwhile) is not replaced
            (`FileExistsError`).
        progress: a `tfvae.progress.Progress` (or any object with `update(rows,
            fraction)`), told after each block the rows done and the share of the
            input read; None reports nothing.

    Returns:
        A report dict: `rows`, `scored`, `n_errors`, `errors` (first 1000 as
        `(line, message)`), `ignored_columns`, `unknown_categories` (raw-column
        models: count per column), `seconds` and `rows_per_s` (reading, scoring and
        writing, after the model is loaded), `output`.

    Example:
    ```python
    report = score_table("runs/demo/model.keras", "runs/demo/test.csv", "scores.csv")
    ```
    """
    job = _open_job(model, path, out_path, batch_size, overwrite)
    report = {"rows": 0, "scored": 0, "n_errors": 0, "errors": [], "unknown_categories": {}}
    report["ignored_columns"] = job.inputs.ignored(job.header)
    start = time.perf_counter()
    _score_blocks(job, report, block_bytes, overwrite, progress)
    report["seconds"] = round(time.perf_counter() - start, 3)
    report["rows_per_s"] = round(report["rows"] / max(report["seconds"], 1e-9))
    report["output"] = job.out_path
    return report


class _Job(typing.NamedTuple):
    """A `score_table` job, checked and ready for the first block (`_open_job`)."""

    path: str
    out_path: str
    header: list  # the input's column names
    model: object
    inputs: ModelInputs
    specs: list  # the columns to read, `{"name", "kind"}` each (`ModelInputs.specs`)
    scorer: object  # `batch_scorer` of the served outputs, traced for any batch size
    calibrated: bool  # whether the model has a threshold (else `is_anomaly` is empty)
    batch_size: int


def _open_job(model, path, out_path, batch_size, overwrite):
    """Checks the arguments, the output and the input's header, loads the model and traces
    its scorer: a mistake is reported before any row is read or anything written."""
    if int(batch_size) < 1:
        raise ValueError(
            f"Expected `batch_size` to be a positive int. Received: batch_size={batch_size!r}"
        )
    path, out_path = os.fspath(path), os.fspath(out_path)
    model_path = [os.fspath(model)] if isinstance(model, (str, os.PathLike)) else []
    check_output(out_path, [path, *model_path], overwrite)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {clean(path)}")
    header = read_header(path)
    model = as_model(model)
    inputs = ModelInputs.from_model(model)
    specs = inputs.specs(header, source=clean(path))
    scorer = batch_scorer(model, keys=SERVED_OUTPUTS)
    _trace_once(scorer, model, inputs)
    calibrated = model.threshold_value() is not None
    return _Job(path, out_path, header, model, inputs, specs, scorer, calibrated, int(batch_size))


def _score_blocks(job, report, block_bytes, overwrite, progress):
    """Scores the input block by block into a temporary file renamed to the output at the
    end (`atomic_path`), counting the rows in `report`."""
    with (
        _measured_input(job.path) as (source, share_read),
        atomic_path(job.out_path, overwrite=overwrite) as tmp,
        _writer(tmp, job.out_path) as write,
    ):
        for batch in iter_table_batches(source, job.specs, name=job.path, block_bytes=block_bytes):
            write(_score_block(job, batch, report))
            if progress is not None:
                progress.update(report["rows"], share_read(report["rows"]))
    if progress is not None:
        progress.close()


def _score_block(job, batch, report):
    """The output table of one block (scored rows and rows in error, in file order),
    counted in `report`."""
    _count_unknown(job.model, job.inputs, batch, report)
    scores = _score(job.scorer, job.inputs.batch(batch.columns, job.specs), job.batch_size)
    table = _result_table(batch, scores, job.calibrated)
    report["rows"] += len(batch.lines) + len(batch.errors)
    report["scored"] += len(batch.lines)
    report["n_errors"] += len(batch.errors)
    room = MAX_REPORTED_ERRORS - len(report["errors"])
    report["errors"].extend(batch.errors[: max(room, 0)])
    return table


@contextlib.contextmanager
def _measured_input(path):
    """Yields `(source, share_read)`: what to read `path` from, and a function of the rows
    done that gives the share of the input read so far (CSV: bytes of the file on disk,
    compressed or not; Parquet: rows of its metadata)."""
    if is_parquet(path):
        total = max(pq.ParquetFile(path).metadata.num_rows, 1)
        yield path, lambda rows: rows / total
        return
    size = max(os.path.getsize(path), 1)
    with open(path, "rb") as raw:
        # Python's gzip reader (as `iter_table_batches` opens a path) raises on a
        # truncated file instead of ending early.
        stream = gzip.GzipFile(fileobj=raw) if path.lower().endswith(".gz") else raw
        yield stream, lambda rows: raw.tell() / size


def _trace_once(scorer, model, inputs):
    """Traces the scorer for any batch size now, instead of once per new batch shape."""
    import tensorflow as tf

    if inputs.raw:
        scorer.get_concrete_function(model.preprocessor.input_signature())
    else:
        scorer.get_concrete_function(tf.TensorSpec([None, *inputs.shape], tf.float32))


def _score(scorer, features, batch_size):
    n = len(features) if not isinstance(features, dict) else len(next(iter(features.values())))
    parts = {key: [] for key in SERVED_OUTPUTS}
    for start in range(0, n, batch_size):
        if isinstance(features, dict):
            chunk = {k: v[start : start + batch_size] for k, v in features.items()}
        else:
            chunk = features[start : start + batch_size]
        out = scorer(chunk)
        for key in SERVED_OUTPUTS:
            parts[key].append(out[key].numpy())
    return {key: np.concatenate(values) if values else np.zeros(0) for key, values in parts.items()}


def _result_table(batch, scores, calibrated):
    n_scored = len(batch.lines)
    anomaly = scores["is_anomaly"].astype(np.int8)
    columns = {
        "line": batch.lines.astype(np.int64),
        "score": scores["score"].astype(np.float32),
        "kl": scores["kl"].astype(np.float32),
        "reconstruction_error": scores["reconstruction_error"].astype(np.float32),
        "is_anomaly": pa.array(anomaly, mask=None if calibrated else np.ones(n_scored, dtype=bool)),
        "valid": scores["valid"].astype(np.int8),
        "error": pa.nulls(n_scored, pa.string()),
    }
    table = pa.table(columns, schema=OUTPUT_SCHEMA)
    if not batch.errors:
        return table
    lines, messages = zip(*batch.errors)
    failed = pa.table(
        {
            "line": np.asarray(lines, dtype=np.int64),
            **{
                key: pa.nulls(len(lines), OUTPUT_SCHEMA.field(key).type)
                for key in SERVED_OUTPUTS[:4]
            },
            "valid": np.zeros(len(lines), dtype=np.int8),
            "error": pa.array(messages, pa.string()),
        },
        schema=OUTPUT_SCHEMA,
    )
    merged = pa.concat_tables([table, failed])
    return merged.take(np.argsort(merged.column("line").to_numpy(), kind="stable"))


def _count_unknown(model, inputs, batch, report):
    if not inputs.raw:
        return
    from tfvae.preprocessing.columns import unknown_categories

    for column, count in unknown_categories(batch.columns, model.preprocessor).items():
        report["unknown_categories"][column] = report["unknown_categories"].get(column, 0) + count


class _writer:
    """A streaming CSV/Parquet writer; each write runs on a thread while the next block scores."""

    def __init__(self, tmp, out_path):
        self.tmp, self.parquet = tmp, is_parquet(out_path)

    def __enter__(self):
        if self.parquet:
            self.sink = pq.ParquetWriter(self.tmp, OUTPUT_SCHEMA)
        else:
            self.sink = pa_csv.CSVWriter(self.tmp, OUTPUT_SCHEMA)
        self.pool = concurrent.futures.ThreadPoolExecutor(1)
        self.pending = None
        return self.write

    def write(self, table):
        if self.pending is not None:
            self.pending.result()
        self.pending = self.pool.submit(self.sink.write_table, table)

    def __exit__(self, *exc_info):
        try:
            if self.pending is not None and exc_info[0] is None:
                self.pending.result()
        finally:
            self.pool.shutdown(wait=True)
            self.sink.close()
        return False

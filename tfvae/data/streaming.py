"""CSV files larger than memory: chunked adaptation, tf.data training input, scoring.

Every function reads the file lazily in chunks (`csv_chunks.iter_chunks`), so memory
is bounded by `chunk_rows`, not by the file.
"""

import csv
import os

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from tfvae.atomic import atomic_path
from tfvae.data.column_stats import CATEGORICAL, NUMERIC, TableStats
from tfvae.data.csv_chunks import iter_chunks, read_header, typed_columns
from tfvae.data.frames import unknown_categories
from tfvae.data.tabular_preprocessor import TabularPreprocessor
from tfvae.scores import anomaly_scores

MAX_REPORTED_ERRORS = 1000


def infer_csv_kinds(path, categorical=None, numeric=None, sample_rows=10000):
    """Column kinds from the first `sample_rows` rows: all-numeric fields -> numeric."""
    chunk = next(iter_chunks(path, chunk_rows=sample_rows), None)
    if chunk is None or len(chunk.frame) == 0:
        raise ValueError(f"{os.fspath(path)} has a header but no data rows.")
    header = read_header(path)
    for override in list(categorical or []) + list(numeric or []):
        if override not in header:
            raise ValueError(f"Column {override!r} (given as an override) is not in {path}'s header {header}.")
    kinds = {}
    for name in header:
        stripped = chunk.frame[name].str.strip()
        values = stripped[(stripped != "") & ~stripped.str.lower().isin(["nan", "na", "null", "none"])]
        parsed = not np.isnan(np.asarray([_to_float(v) for v in values], dtype=np.float64)).any()
        kinds[name] = (CATEGORICAL if name in (categorical or []) else
                       NUMERIC if name in (numeric or []) or parsed else CATEGORICAL)
    return kinds


def _to_float(text):
    try:
        return float(text)
    except ValueError:
        return np.nan


def adapt_csv(path, categorical=None, numeric=None, chunk_rows=65536, log_transform="auto",
              max_tokens=None, min_frequency=1, scaling="standard", name="tabular_preprocessor"):
    """Adapts a `TabularPreprocessor` on a CSV in one chunked pass (bounded memory).

    Raises:
        ValueError: rows that cannot be parsed, listed with their line numbers.
    """
    kinds = infer_csv_kinds(path, categorical, numeric)
    specs = [{"name": n, "kind": k} for n, k in kinds.items()]
    stats = TableStats(kinds)
    for chunk in iter_chunks(path, chunk_rows):
        columns, _, errors = typed_columns(chunk, specs)
        _raise_on_errors(path, errors)
        stats.add(_as_frame(columns))
    return TabularPreprocessor.from_stats(stats, log_transform, max_tokens, min_frequency, scaling, name=name)


def csv_dataset(path, preprocessor, batch_size=256, chunk_rows=65536, shuffle_buffer=0, seed=0):
    """A `tf.data.Dataset` of raw-column dicts read from a CSV chunk by chunk.

    Args:
        path: str. CSV (or .csv.gz) with a header naming the preprocessor's columns.
        preprocessor: the `TabularPreprocessor` the model embeds.
        batch_size: int. Rows per batch.
        chunk_rows: int. Rows parsed per read (the memory bound).
        shuffle_buffer: int. Shuffle within a buffer of this many rows (0: file order).
        seed: int. Shuffle seed.

    Returns:
        A dataset of `{column: [batch] tensor}`; unparsable rows raise an error
        naming their lines when reached.
    """
    _check_header(path, preprocessor)
    signature = preprocessor.input_signature()

    def generate():
        for chunk in iter_chunks(path, chunk_rows):
            columns, _, errors = typed_columns(chunk, preprocessor.columns)
            _raise_on_errors(path, errors)
            if len(next(iter(columns.values()))):
                yield columns

    dataset = tf.data.Dataset.from_generator(generate, output_signature=signature).unbatch()
    if shuffle_buffer:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def score_csv(model, csv_path, out_path, batch_size=4096, chunk_rows=65536):
    """Scores every row of a CSV into `out_path` with bounded memory, atomically.

    The output has one row per input data row, in file order: `line` (1-based line
    in the input), `score`, `is_anomaly` (1/0, empty when uncalibrated), `valid`,
    and `error` (why the row could not be scored; its scores are then empty).

    Args:
        model: a tfvae VAE with a `TabularPreprocessor`, a fitted
            `TabularVAEDetector`, or the path of a `.keras` file holding such a VAE.
        csv_path: str. Input CSV (or .csv.gz) with a header.
        out_path: str. Output CSV, written to a temporary file then renamed.
        batch_size: int. Rows per model call.
        chunk_rows: int. Rows parsed per read (the memory bound).

    Returns:
        A report dict: `rows`, `scored`, `n_errors`, `errors` (first 1000 as
        `(line, message)`), `unknown_categories` (count per column), `output`.
    """
    model = _as_model(model)
    preprocessor = model.preprocessor
    _check_header(csv_path, preprocessor)
    score_fn = _score_function(model, preprocessor)
    calibrated = model.threshold_value() is not None
    report = {"rows": 0, "scored": 0, "n_errors": 0, "errors": [], "unknown_categories": {}}
    out_path = os.fspath(out_path)
    with atomic_path(out_path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "score", "is_anomaly", "valid", "error"])
        for chunk in iter_chunks(csv_path, chunk_rows):
            _score_chunk(chunk, preprocessor, score_fn, batch_size, calibrated, writer, report)
    report["output"] = out_path
    return report


def _score_chunk(chunk, preprocessor, score_fn, batch_size, calibrated, writer, report):
    columns, lines, errors = typed_columns(chunk, preprocessor.columns)
    for column, count in unknown_categories(columns, preprocessor).items():
        report["unknown_categories"][column] = report["unknown_categories"].get(column, 0) + count
    rows = {}
    for start in range(0, len(lines), batch_size):
        batch = {name: values[start : start + batch_size] for name, values in columns.items()}
        out = score_fn(batch)
        for offset, line in enumerate(lines[start : start + batch_size]):
            rows[int(line)] = [
                int(line), repr(float(out["score"][offset])),
                int(bool(out["is_anomaly"][offset])) if calibrated else "",
                int(bool(out["valid"][offset])), "",
            ]
    for line, message in errors:
        rows[line] = [line, "", "", 0, message]
    for line in sorted(rows):
        writer.writerow(rows[line])
    report["rows"] += len(rows)
    report["scored"] += len(lines)
    report["n_errors"] += len(errors)
    room = MAX_REPORTED_ERRORS - len(report["errors"])
    report["errors"].extend(errors[: max(room, 0)])


def _score_function(model, preprocessor):
    @tf.function(input_signature=[preprocessor.input_signature()])
    def score(batch):
        out = anomaly_scores(model, batch)
        return {key: out[key] for key in ("score", "is_anomaly", "valid")}

    return lambda batch: {k: v.numpy() for k, v in score(batch).items()}


def _as_model(model):
    if isinstance(model, (str, os.PathLike)):
        from tfvae.saving import load_keras

        model = load_keras(model)
    model = getattr(model, "model_", model)
    if not isinstance(getattr(model, "preprocessor", None), TabularPreprocessor):
        raise ValueError(
            "Streaming CSV scoring needs a VAE with a TabularPreprocessor (raw columns by name); "
            f"received {type(model).__name__}."
        )
    return model


def _check_header(path, preprocessor):
    header = read_header(path)
    missing = [c for c in preprocessor.column_names if c not in header]
    extra = [c for c in header if c not in preprocessor.column_names]
    if missing:
        raise ValueError(f"{os.fspath(path)} is missing column(s) {missing} that the model was adapted on.")
    if extra:
        raise ValueError(f"{os.fspath(path)} has unexpected column(s) {extra}; the model takes only "
                         f"{preprocessor.column_names}.")


def _raise_on_errors(path, errors):
    if errors:
        shown = "; ".join(f"line {line}: {message}" for line, message in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        raise ValueError(f"{os.fspath(path)}: {len(errors)} row(s) cannot be parsed: {shown}{more}")


def _as_frame(columns):
    return pd.DataFrame(columns)

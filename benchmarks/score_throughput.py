"""Batch scoring throughput on one machine: in memory and `tfvae score`.

Generates a numeric CSV of N rows (default 10 million, in a temporary directory, never
in the repository), trains and exports a small numeric VAE on its first rows, and
measures in one run:
  - the exported SavedModel's `score` signature on in-memory float32 batches (rows/s);
  - `tfvae score MODEL CSV --output scores.csv` in a child process: rows/s of its data
    path (reading, parsing, scoring, writing: the `seconds` it reports), rows/s over
    the whole wall time (with Python, TensorFlow and model start-up), and peak RSS.
`tfvae beam-score` is measured against `tfvae score` by `benchmarks/beam_throughput.py`
(the results before issue #21 here have a Beam row: that script's older version).
Targets (issue #14): `tfvae score` >= 300k rows/s, >= 0.4 of the in-memory rate, peak
RSS < 1.5 GB. Writes `<out>/score_throughput.json` and `.md` (command, date, load
average, machine).

Usage:
    nice -n 10 python benchmarks/score_throughput.py --rows 1000000 --out benchmarks/results
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import measured_run, target_rows, write_results  # noqa: E402

#: The model scored: the hidden sizes and latent width of `TabularVAEDetector`'s defaults.
MODEL = {"hidden_units": (64, 32), "latent_dim": 8}
TARGETS = {
    "score_rows_per_s": 300_000,
    "score_fraction_of_in_memory": 0.4,
    "score_peak_rss_mb": 1536,
}


def write_csv(path, rows, features, seed=0, block=500_000):
    """A numeric CSV of `rows` rows on a low-dimensional manifold plus noise (pyarrow writer)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(3, features))
    names = [f"f{i}" for i in range(features)]
    with pa_csv.CSVWriter(path, pa.schema([(n, pa.float32()) for n in names])) as writer:
        for start in range(0, rows, block):
            n = min(block, rows - start)
            x = (rng.normal(size=(n, 3)) @ mixing + 0.1 * rng.normal(size=(n, features))).astype(
                np.float32
            )
            writer.write_table(pa.table({name: x[:, i] for i, name in enumerate(names)}))


def train_and_export(csv_path, workdir, train_rows=20_000):
    import pandas as pd

    from tfvae.detectors import VAEDetector
    from tfvae.export import export_model

    frame = pd.read_csv(csv_path, nrows=train_rows)
    detector = VAEDetector(epochs=3, verbose=0, **MODEL).fit(frame)
    model_path = detector.save(os.path.join(workdir, "model.keras"))
    export = export_model(
        detector, os.path.join(workdir, "export"), name="bench", formats="savedmodel"
    )
    return model_path, export.version_dir


def in_memory_rate(version_dir, features, rows, batch=65536, repeats=3):
    """Best rows/s of the SavedModel `score` signature over `rows` in-memory rows."""
    import tensorflow as tf

    score = tf.saved_model.load(version_dir).signatures["score"]
    x = np.random.default_rng(1).normal(size=(rows, features)).astype(np.float32)
    batches = [tf.constant(x[i : i + batch]) for i in range(0, rows, batch)]
    score(features=batches[0])  # warm-up
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        for b in batches:
            score(features=b)["score"].numpy()
        best = max(best, rows / (time.perf_counter() - start))
    return best


def run_child(argv, ok=(0,)):
    """Runs `argv`; returns (seconds, peak RSS MB summed over its process tree, its stdout).

    Raises:
        RuntimeError: it exits with a status not in `ok`.
    """
    import psutil

    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parent, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    out, err = child.communicate()
    if child.returncode not in ok:
        raise RuntimeError(f"{' '.join(argv)} failed ({child.returncode}):\n{err[-3000:]}")
    return seconds, peak / 2**20, out


def tfvae(*args):
    return [sys.executable, "-m", "tfvae", *args]


def measure(rows, features, workdir):
    csv_path = os.path.join(workdir, "rows.csv")
    start = time.perf_counter()
    write_csv(csv_path, rows, features)
    report = {
        "rows": rows,
        "features": features,
        "model": MODEL,
        "csv_mb": round(os.path.getsize(csv_path) / 2**20),
        "csv_write_seconds": round(time.perf_counter() - start, 1),
    }
    model_path, version_dir = train_and_export(csv_path, workdir)
    report["in_memory_savedmodel_rows_per_s"] = round(
        in_memory_rate(version_dir, features, min(rows, 1_000_000))
    )

    seconds, rss, out = run_child(
        tfvae("score", model_path, csv_path, "--output", os.path.join(workdir, "scores.csv"))
    )
    summary = json.loads(out)
    report["tfvae_score"] = {
        "rows_out": summary["rows"],
        "wall_seconds": round(seconds, 2),
        "data_seconds": summary["seconds"],
        "rows_per_s_data_path": summary["rows_per_s"],
        "rows_per_s_wall": round(rows / seconds),
        "peak_rss_mb": round(rss),
    }
    return report


def checks(report):
    score = report["tfvae_score"]
    rate = score["rows_per_s_data_path"]
    fraction = rate / report["in_memory_savedmodel_rows_per_s"]
    return [
        (
            "`tfvae score` rows/s (read, score, write)",
            f"{rate:,}",
            TARGETS["score_rows_per_s"],
            rate >= TARGETS["score_rows_per_s"],
        ),
        (
            "`tfvae score` / in-memory SavedModel",
            f"{fraction:.2f}",
            TARGETS["score_fraction_of_in_memory"],
            fraction >= TARGETS["score_fraction_of_in_memory"],
        ),
        (
            "`tfvae score` peak RSS (MB)",
            score["peak_rss_mb"],
            f"< {TARGETS['score_peak_rss_mb']}",
            score["peak_rss_mb"] < TARGETS["score_peak_rss_mb"],
        ),
    ]


def markdown(report):
    lines = [
        "# Scoring throughput (`benchmarks/score_throughput.py`)",
        "",
        f"Command: `{report['command']}`  ",
        f"Date: {report['machine']['date_utc']}; load average before/after: "
        f"{report['load_average_before']} / {report['load_average_after']}  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['logical_cores']} logical cores (shared)",
        "",
        f"{report['rows']:,}-row numeric CSV, {report['features']} columns ({report['csv_mb']} MB).",
        "",
        "| Path | rows/s (read, score, write) | rows/s (wall, with start-up) | rows | wall s | peak RSS MB |",
        "|---|---|---|---|---|---|",
        f"| SavedModel `score`, in memory | {report['in_memory_savedmodel_rows_per_s']:,} | | | | |",
    ]
    r = report["tfvae_score"]
    lines.append(
        f"| `tfvae score` | {r['rows_per_s_data_path']:,} | {r['rows_per_s_wall']:,} | "
        f"{report['rows']:,} | {r['wall_seconds']} | {r['peak_rss_mb']} |"
    )
    lines += ["", "| Target (issue #14) | measured | target | |", "|---|---|---|---|"]
    lines += target_rows(checks(report))
    if report["rows"] < 10_000_000:
        lines += ["", f"Run on {report['rows']:,} rows, fewer than the 10M rows of the targets."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument(
        "--tmpdir", default=None, help="where the scratch directory goes (default: the system's)"
    )
    args = parser.parse_args(argv)
    report = measured_run(
        argv,
        "tfvae-score-throughput-",
        args.tmpdir,
        lambda workdir: measure(args.rows, args.features, workdir),
    )
    report.update(
        targets=TARGETS,
        checks=[{"name": c[0], "value": c[1], "pass": c[3]} for c in checks(report)],
    )
    write_results(args.out, "score_throughput", report, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

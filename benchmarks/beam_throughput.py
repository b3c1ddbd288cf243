"""Beam scoring against `tfvae score` on one machine: wall time, rows/s per worker, memory.

Generates, in a temporary directory (never in the repository), an N-row numeric table
(16 columns) and an N-row raw-column table (8 numbers with missing values, 4 string
columns with empty values), each as CSV and as Parquet; trains and exports a numeric
VAE and a raw-column VAE on their first rows; then, in one run, for each of the four
files:
  - `tfvae score MODEL FILE --output OUT.parquet` in a child process: wall time and peak
    RSS;
  - `tfvae beam-score --model EXPORT --input FILE --output PREFIX` (its defaults:
    DirectRunner, one worker thread per core): wall time, peak RSS summed over its
    process tree (polled every 0.2 s), and rows/s per worker after start-up (rows over
    the time from the first file opened to the last block scored, over the workers:
    the job's own metrics).
On the numeric CSV it also runs the two other ways to score (Beam's `RunInference` with
the block-taking handler, and DirectRunner worker processes), and a dirty copy of its
first rows with bad lines of each kind (the dead-letter counts must equal the bad lines).
Targets (issue #21): beam-score wall <= 3x `tfvae score` wall, >= 100k rows/s per worker,
peak RSS <= 2.5 GB. Writes `<out>/beam_throughput.json` and `.md` (command, date, load
average, machine).

Usage:
    nice -n 5 python benchmarks/beam_throughput.py --rows 1000000 --out benchmarks/results
"""

import argparse
import json
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import measured_run, target_rows, write_results  # noqa: E402
from score_throughput import MODEL, run_child, tfvae, train_and_export, write_csv  # noqa: E402

TARGETS = {"wall_ratio": 3.0, "rows_per_s_per_worker": 100_000, "peak_rss_mb": 2560}
#: One bad line of each kind the dirty file holds, repeated.
BAD_LINES = {
    "not a number": b"1,x" + b",1" * 14,
    "wrong width": b"1,2,3",
    "not UTF-8": b"\xff\xfe\x00" + b",1" * 15,
    "unclosed quote": b'1,"2' + b",1" * 14,
    "carriage return": b"1,2\r3" + b",1" * 13,
    "1M characters": b"z" * 1_000_000,
}
#: The code run for the scoring variants the command does not expose.
VARIANT = (
    "import json, sys\n"
    "from tfvae.beam import score_files\n"
    "from tfvae.commands.beam_score import stderr_to\n"
    "with stderr_to(sys.argv[4]):\n"
    "    s = score_files(sys.argv[1], sys.argv[2], sys.argv[3], run_inference=True)\n"
    "print(json.dumps(s))\n"
)


def write_raw_table(path, rows, seed=0, block=250_000):
    """A CSV or Parquet table of raw columns: numbers with ~3% missing, strings with ~2% empty."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    services = np.array([f"svc-{i:02d}" for i in range(40)])
    protocols, countries = np.array(["tcp", "udp", "icmp"]), np.array(["fr", "de", "us", "jp"])
    mixing = rng.normal(size=(3, 8))
    schema = pa.schema(
        [(f"x{i}", pa.float32()) for i in range(8)]
        + [(name, pa.string()) for name in ("protocol", "service", "country", "flag")]
    )
    parquet = path.endswith(".parquet")
    writer = pq.ParquetWriter(path, schema) if parquet else pa_csv.CSVWriter(path, schema)
    with writer:
        for start in range(0, rows, block):
            n = min(block, rows - start)
            x = (rng.normal(size=(n, 3)) @ mixing + 0.1 * rng.normal(size=(n, 8))).astype(
                np.float32
            )
            columns = [pa.array(x[:, i], mask=rng.random(n) < 0.03) for i in range(8)]
            for values in (protocols, services, countries, np.array(["S0", "SF", "REJ"])):
                text = values[rng.integers(0, len(values), n)].astype(object)
                text[rng.random(n) < 0.02] = ""
                columns.append(pa.array(text, pa.string()))
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))


def csv_to_parquet(csv_path, parquet_path):
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    with pq.ParquetWriter(parquet_path, pa_csv.open_csv(csv_path).schema) as writer:
        for batch in pa_csv.open_csv(csv_path):
            writer.write_batch(batch)


def train_raw(csv_path, workdir, train_rows=20_000):
    import pandas as pd

    from tfvae.detectors import TabularVAEDetector
    from tfvae.export import export_model

    frame = pd.read_csv(csv_path, nrows=train_rows, keep_default_na=False, na_values=[""])
    detector = TabularVAEDetector(epochs=3, verbose=0, **MODEL).fit(frame)
    model_path = detector.save(os.path.join(workdir, "raw.keras"))
    export = export_model(
        detector, os.path.join(workdir, "export"), name="raw", formats="savedmodel"
    )
    return model_path, export.version_dir


def write_dirty(csv_path, path, rows, every=1000):
    """The first `rows` rows of `csv_path` with a bad line of each kind after every `every`."""
    counts = dict.fromkeys(BAD_LINES, 0)
    kinds = list(BAD_LINES)
    with open(csv_path, "rb") as source, open(path, "wb") as target:
        target.write(source.readline())
        for i in range(rows):
            target.write(source.readline())
            if (i + 1) % every == 0:
                kind = kinds[(i // every) % len(kinds)]
                target.write(BAD_LINES[kind] + b"\n")
                counts[kind] += 1
    return counts


def score_once(model_path, table, workdir):
    out = os.path.join(workdir, "score_out.parquet")
    seconds, rss, out_text = run_child(tfvae("score", model_path, table, "--output", out))
    os.remove(out)
    summary = json.loads(out_text)
    return {"rows": summary["rows"], "wall_seconds": round(seconds, 2), "peak_rss_mb": round(rss)}


def beam_once(version_dir, table, workdir, *extra, variant=False):
    prefix = os.path.join(workdir, "beam", "run")
    log = os.path.join(workdir, "variant.log")
    if variant:
        argv = [sys.executable, "-c", VARIANT, version_dir, table, prefix, log]
    else:
        argv = tfvae("beam-score", "--model", version_dir, "--input", table, "--output", prefix)
    seconds, rss, out = run_child([*argv, *extra], ok=(0, 1))
    shutil.rmtree(os.path.join(workdir, "beam"), ignore_errors=True)
    summary = json.loads(out[out.index("{") :])
    keys = ("rows", "scored", "bad_rows", "unreadable_files", "dead_letter", "seconds")
    return {
        **{key: summary[key] for key in keys},
        "wall_seconds": round(seconds, 2),
        "rows_per_s_wall": round(summary["rows"] / seconds),
        "rows_per_s_per_worker": summary["rows_per_s_per_worker"],
        "peak_rss_mb_process_tree": round(rss),
    }


def measure(rows, workdir):
    tables = {
        "numeric CSV": os.path.join(workdir, "numeric.csv"),
        "raw-column CSV": os.path.join(workdir, "raw.csv"),
        "numeric Parquet": os.path.join(workdir, "numeric.parquet"),
        "raw-column Parquet": os.path.join(workdir, "raw.parquet"),
    }
    write_csv(tables["numeric CSV"], rows, 16)
    csv_to_parquet(tables["numeric CSV"], tables["numeric Parquet"])
    write_raw_table(tables["raw-column CSV"], rows)
    write_raw_table(tables["raw-column Parquet"], rows)
    numeric = train_and_export(tables["numeric CSV"], workdir)
    raw = train_raw(tables["raw-column CSV"], workdir)
    report = {"rows": rows, "model": MODEL, "files": {}}
    for name, path in tables.items():
        model_path, version_dir = raw if name.startswith("raw") else numeric
        report["files"][name] = {
            "mb": round(os.path.getsize(path) / 2**20),
            "tfvae_score": score_once(model_path, path, workdir),
            "beam_score": beam_once(version_dir, path, workdir),
        }
    numeric_csv = tables["numeric CSV"]
    report["variants_numeric_csv"] = {
        "RunInference (handler takes blocks)": beam_once(
            numeric[1], numeric_csv, workdir, variant=True
        ),
        "DoFn + Shared, two worker processes": beam_once(
            numeric[1], numeric_csv, workdir, "--direct_running_mode=multi_processing"
        ),
    }
    dirty = os.path.join(workdir, "dirty.csv")
    injected = write_dirty(numeric_csv, dirty, min(rows, 100_000))
    report["dirty_csv"] = {
        "good_rows": min(rows, 100_000),
        "bad_lines": injected,
        "beam_score": beam_once(numeric[1], dirty, workdir),
    }
    return report


def checks(report):
    results = []
    for name, entry in report["files"].items():
        score, beam = entry["tfvae_score"], entry["beam_score"]
        ratio = beam["wall_seconds"] / score["wall_seconds"]
        results += [
            (
                f"{name}: beam-score wall / tfvae score wall",
                f"{ratio:.2f}",
                f"<= {TARGETS['wall_ratio']}",
                ratio <= TARGETS["wall_ratio"],
            ),
            (
                f"{name}: rows/s per worker after start-up",
                f"{beam['rows_per_s_per_worker']:,}",
                f">= {TARGETS['rows_per_s_per_worker']:,}",
                beam["rows_per_s_per_worker"] >= TARGETS["rows_per_s_per_worker"],
            ),
            (
                f"{name}: beam-score peak RSS (MB, process tree)",
                beam["peak_rss_mb_process_tree"],
                f"<= {TARGETS['peak_rss_mb']}",
                beam["peak_rss_mb_process_tree"] <= TARGETS["peak_rss_mb"],
            ),
        ]
    dirty = report["dirty_csv"]
    expected = sum(dirty["bad_lines"].values())
    beam = dirty["beam_score"]
    exact = beam["dead_letter"] == expected and beam["scored"] == dirty["good_rows"]
    results.append(
        (
            "dirty CSV: one dead letter per bad line, every good row scored",
            f"{beam['dead_letter']} / {beam['scored']:,}",
            f"{expected} / {dirty['good_rows']:,}",
            exact,
        )
    )
    return results


def markdown(report):
    lines = [
        "# Beam scoring throughput (`benchmarks/beam_throughput.py`)",
        "",
        f"Command: `{report['command']}`  ",
        f"Date: {report['machine']['date_utc']}; load average before/after: "
        f"{report['load_average_before']} / {report['load_average_after']}  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['logical_cores']} logical "
        "cores (shared with other jobs)",
        "",
        f"{report['rows']:,} rows per file. `tfvae beam-score` with its defaults (DirectRunner, "
        "one worker thread per core); rows/s per worker after start-up = rows / (last block "
        "scored - first file opened) / workers, from the job's metrics; wall times include "
        "Python, TensorFlow and model start-up.",
        "",
        "| file | MB | `tfvae score` wall s | its peak RSS MB | beam-score wall s | ratio | "
        "beam rows/s (wall) | rows/s per worker | beam peak RSS MB (tree) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in report["files"].items():
        s, b = entry["tfvae_score"], entry["beam_score"]
        lines.append(
            f"| {name} | {entry['mb']} | {s['wall_seconds']} | {s['peak_rss_mb']} | "
            f"{b['wall_seconds']} | {b['wall_seconds'] / s['wall_seconds']:.2f} | "
            f"{b['rows_per_s_wall']:,} | {b['rows_per_s_per_worker']:,} | "
            f"{b['peak_rss_mb_process_tree']} |"
        )
    lines += [
        "",
        "Other ways to score the numeric CSV (same run):",
        "",
        "| variant | wall s | rows/s per worker | peak RSS MB (tree) |",
        "|---|---|---|---|",
    ]
    base = report["files"]["numeric CSV"]["beam_score"]
    variants = {
        "DoFn + Shared, worker threads (the default)": base,
        **report["variants_numeric_csv"],
    }
    for name, b in variants.items():
        lines.append(
            f"| {name} | {b['wall_seconds']} | {b['rows_per_s_per_worker']:,} | "
            f"{b['peak_rss_mb_process_tree']} |"
        )
    dirty = report["dirty_csv"]
    b = dirty["beam_score"]
    lines += [
        "",
        f"Dirty CSV: the first {dirty['good_rows']:,} numeric rows with bad lines "
        f"injected ({', '.join(f'{k}: {v}' for k, v in dirty['bad_lines'].items())}): "
        f"rows read {b['rows']:,}, scored {b['scored']:,}, dead letters {b['dead_letter']}, "
        f"wall {b['wall_seconds']} s.",
        "",
        "| Target (issue #21) | measured | target | |",
        "|---|---|---|---|",
    ]
    lines += target_rows(checks(report))
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument(
        "--tmpdir", default=None, help="where the scratch directory goes (default: the system's)"
    )
    args = parser.parse_args(argv)
    report = measured_run(
        argv, "tfvae-beam-throughput-", args.tmpdir, lambda workdir: measure(args.rows, workdir)
    )
    report.update(targets=TARGETS)
    report["checks"] = [{"name": c[0], "value": c[1], "pass": c[3]} for c in checks(report)]
    write_results(args.out, "beam_throughput", report, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

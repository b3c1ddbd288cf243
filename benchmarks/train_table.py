"""`tfvae train` on a table larger than it holds: one epoch over a generated N-row CSV.

Usage:
    python benchmarks/train_table.py --rows 10000000 --workdir /tmp/train_table --out benchmarks/results
    python benchmarks/train_table.py --rows 200000 --workdir /tmp/tt --out /tmp/tt   # smoke run

Writes `--shards` CSV shards of raw columns (numbers, a heavy-tailed count, a string
column, missing values, a label with 2% anomalies) in `--workdir` (never in the project),
then runs `tfvae train --config training/configs/table.yaml --epochs 1` on the folder in
a child process and reports, from that process alone: its peak RSS (the whole run:
statistics pass, one training epoch, validation, calibration, test scoring), the
training rows/s of the epoch (from the run's `metrics.json`), and the wall time. Writes
`train_table.json` and `train_table.md` in `--out` with the command, date and load.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from common import command_line, machine_info  # noqa: E402

#: Peak RSS goal of the run (issue #12): the table never sits in memory.
RSS_LIMIT_MB = 2048


def write_shards(folder, rows, shards, seed=0):
    """`shards` CSV files of `rows` rows in all, written block by block."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    per_shard = -(-rows // shards)
    written = 0
    for index in range(shards):
        n_rows = min(per_shard, rows - written)
        with open(os.path.join(folder, f"part-{index:03d}.csv"), "w") as handle:
            handle.write("duration,bytes,rate,errors,protocol,label\n")
            for start in range(0, n_rows, 200_000):
                n = min(200_000, n_rows - start)
                anomaly = rng.random(n) < 0.02
                block = pd.DataFrame(
                    {
                        "duration": rng.normal(10, 2, n).round(3),
                        "bytes": (rng.lognormal(3, 2, n) * np.where(anomaly, 30, 1)).round(),
                        "rate": np.where(rng.random(n) < 0.01, np.nan, rng.random(n).round(4)),
                        "errors": rng.poisson(np.where(anomaly, 6.0, 0.2)),
                        "protocol": rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1]),
                        "label": np.where(anomaly, "attack", "normal"),
                    }
                )
                block.to_csv(handle, header=False, index=False)
        written += n_rows


def run_training(folder, run_dir, batch_size):
    """`tfvae train` in a child process; returns (metrics, peak RSS MB of the child, seconds)."""
    command = [
        sys.executable,
        "-m",
        "tfvae",
        "train",
        "--config",
        os.path.join(ROOT, "training", "configs", "table.yaml"),
        "--data",
        folder,
        "--out",
        run_dir,
        "--overwrite",
        "--epochs",
        "1",
        "--batch-size",
        str(batch_size),
        "--set",
        "training.verbose=0",
    ]
    start = time.time()
    subprocess.run(command, check=True)
    seconds = time.time() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with open(os.path.join(run_dir, "metrics.json")) as f:
        return json.load(f), peak_mb, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workdir", required=True, help="where the CSV shards and the run go")
    parser.add_argument("--out", required=True, help="folder of train_table.json/.md")
    args = parser.parse_args(argv)
    load_start = os.getloadavg()
    folder = os.path.join(args.workdir, "shards")
    start = time.time()
    write_shards(folder, args.rows, args.shards)
    csv_bytes = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    generate_seconds = time.time() - start
    metrics, peak_mb, seconds = run_training(
        folder, os.path.join(args.workdir, "run"), args.batch_size
    )
    training = metrics["training"]
    report = {
        "command": command_line(sys.argv[1:] if argv is None else argv),
        "machine": machine_info(),
        "load_average_start": list(load_start),
        "load_average_end": list(os.getloadavg()),
        "rows": args.rows,
        "shards": args.shards,
        "csv_mb": round(csv_bytes / 2**20, 1),
        "generate_seconds": round(generate_seconds, 1),
        "data": training["data"],
        "steps_per_epoch": training["steps_per_epoch"],
        "global_batch_size": training["global_batch_size"],
        "training_rows_per_second": training["samples_per_second"],
        "run_seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "rss_limit_mb": RSS_LIMIT_MB,
        "test_auroc": (metrics["test"] or {}).get("auroc"),
    }
    report["rss_within_limit"] = report["peak_rss_mb"] < RSS_LIMIT_MB
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "train_table.json"), "w") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(args.out, "train_table.md"), "w") as f:
        f.write(_markdown(report))
    print(_markdown(report))
    return 0


def _markdown(r):
    d = r["data"]
    verdict = "pass" if r["rss_within_limit"] else "FAIL"
    return (
        "# `tfvae train` on a table read from its files\n\n"
        f"Command: `{r['command']}`  \n"
        f"Machine: {r['machine']['cpu']}, {r['machine']['logical_cores']} logical cores; "
        f"TF {r['machine']['tensorflow']}, Keras {r['machine']['keras']}; "
        f"{r['machine']['date_utc']}; load average at start {r['load_average_start']}, "
        f"at end {r['load_average_end']}\n\n"
        f"Table: {r['rows']:,} rows in {r['shards']} CSV shards ({r['csv_mb']} MB); "
        f"train {d['n_train']:,}, validation {d['n_validation']:,}, test {d['n_test']:,} "
        f"({d['n_test_anomalies']:,} anomalies). Config `training/configs/table.yaml`, one "
        f"epoch of {r['steps_per_epoch']:,} steps at batch {r['global_batch_size']}.\n\n"
        "| measure | value |\n|---|---|\n"
        f"| training rows/s (the epoch) | {r['training_rows_per_second']:,.0f} |\n"
        f"| whole run (statistics pass, epoch, validation, calibration, test) | "
        f"{r['run_seconds']:,.0f} s |\n"
        f"| peak RSS of the run | {r['peak_rss_mb']:,.0f} MB ({verdict}: limit "
        f"{r['rss_limit_mb']:,} MB) |\n"
        f"| test AUROC (one epoch) | {r['test_auroc']:.4f} |\n"
    )


if __name__ == "__main__":
    sys.exit(main())

"""Peak memory of `score_table` (`tfvae score`) on a generated CSV of N rows (default 10 million).

Usage: python benchmarks/stream_score_memory.py --rows 10000000 --workdir /tmp/stream
Writes the CSV row by row, fits a small TabularVAEDetector on 2,000 rows, scores the
file with `score_table`, and prints rows/s and peak RSS (which should not grow with N) as
JSON. `benchmarks/speed.py` runs this script in a child process for its memory row.
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import pandas as pd

from tfvae.detectors import TabularVAEDetector
from tfvae.scoring.tables import score_table


def _write_csv(path, n_rows, seed=0):
    rng = np.random.default_rng(seed)
    with open(path, "w") as handle:
        handle.write("duration,bytes,protocol\n")
        for start in range(0, n_rows, 100_000):
            n = min(100_000, n_rows - start)
            block = pd.DataFrame(
                {
                    "duration": rng.normal(10, 2, n).round(3),
                    "bytes": rng.lognormal(3, 2, n).round(),
                    "protocol": rng.choice(["tcp", "udp", "icmp"], n),
                }
            )
            block.to_csv(handle, header=False, index=False)


def measure(rows, workdir, block_mb=16):
    """Writes an N-row CSV, fits a small detector, scores the file; returns rows/s and peak RSS.

    Run it in a fresh process (as `main` and `speed.py` do): peak RSS is process-wide.
    """
    os.makedirs(workdir, exist_ok=True)
    csv_path = os.path.join(workdir, "rows.csv")
    _write_csv(csv_path, rows)
    detector = TabularVAEDetector(epochs=2, hidden_units=(16,), latent_dim=2).fit(
        pd.read_csv(csv_path, nrows=2000)
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.time()
    report = score_table(
        detector,
        csv_path,
        os.path.join(workdir, "scores.csv"),
        block_bytes=int(block_mb * 2**20),
        overwrite=True,
    )
    seconds = time.time() - start
    return {
        "rows": report["rows"],
        "n_errors": report["n_errors"],
        "seconds": round(seconds, 1),
        "rows_per_second": round(report["rows"] / seconds),
        "block_mb": block_mb,
        "peak_rss_mb_before_scoring": round(rss_before / 1024),
        "peak_rss_mb_after_scoring": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ),
        "csv_mb": round(os.path.getsize(csv_path) / 2**20),
    }


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", default="/tmp/tfvae-stream")
    parser.add_argument("--block-mb", type=float, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV and scores")
    args = parser.parse_args(argv)
    try:
        print(json.dumps(measure(args.rows, args.workdir, args.block_mb), indent=2))
    finally:
        if not args.keep:
            for name in ("rows.csv", "scores.csv"):
                path = os.path.join(args.workdir, name)
                if os.path.exists(path):
                    os.remove(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

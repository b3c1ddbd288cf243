"""Peak memory of `score_csv` on a generated CSV of N rows (default 10 million).

Usage: python benchmarks/stream_score_memory.py --rows 10000000 --workdir /tmp/stream
Writes the CSV row by row, fits a small TabularVAEDetector on 2,000 rows, scores the
file with `score_csv`, and prints rows/s and peak RSS (which should not grow with N).
"""

import argparse
import json
import os
import resource
import time

import numpy as np
import pandas as pd

from tfvae.data.streaming import score_csv
from tfvae.detectors import TabularVAEDetector


def _write_csv(path, n_rows, seed=0):
    rng = np.random.default_rng(seed)
    with open(path, "w") as handle:
        handle.write("duration,bytes,protocol\n")
        for start in range(0, n_rows, 100_000):
            n = min(100_000, n_rows - start)
            block = pd.DataFrame({
                "duration": rng.normal(10, 2, n).round(3),
                "bytes": rng.lognormal(3, 2, n).round(),
                "protocol": rng.choice(["tcp", "udp", "icmp"], n),
            })
            block.to_csv(handle, header=False, index=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", default="/tmp/tfvae-stream")
    parser.add_argument("--chunk-rows", type=int, default=65536)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    csv_path = os.path.join(args.workdir, "rows.csv")
    _write_csv(csv_path, args.rows)
    detector = TabularVAEDetector(epochs=2, hidden_units=(16,), latent_dim=2).fit(pd.read_csv(csv_path, nrows=2000))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.time()
    report = score_csv(detector, csv_path, os.path.join(args.workdir, "scores.csv"), chunk_rows=args.chunk_rows)
    seconds = time.time() - start
    print(json.dumps({
        "rows": report["rows"], "n_errors": report["n_errors"], "seconds": round(seconds, 1),
        "rows_per_second": round(report["rows"] / seconds),
        "peak_rss_mb_before_scoring": round(rss_before / 1024),
        "peak_rss_mb_after_scoring": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "csv_mb": round(os.path.getsize(csv_path) / 2**20),
    }, indent=2))


if __name__ == "__main__":
    main()

"""Seconds of a default `VAEDetector().fit` on a 10,000 x 100 table (issue #11: about a minute).

The table is synthetic (correlated Gaussian columns, seeded); the figure is the wall time
of `fit` (training, early stopping, calibration) with the detector's defaults, beside the
load average, since the machine may be shared.

Usage:
    python benchmarks/fit_cost.py --out benchmarks/results
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import command_line, machine_info  # noqa: E402

from tfvae.detectors import VAEDetector  # noqa: E402
from tfvae.evaluation.files import write_json, write_text  # noqa: E402


def synthetic_table(n_rows, n_features, seed=0):
    """Rows on a 10-dimensional linear manifold plus noise, float32."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_rows, 10))
    return (
        latent @ rng.normal(size=(10, n_features)) + 0.3 * rng.normal(size=(n_rows, n_features))
    ).astype(np.float32)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--name", default="fit_cost")
    args = parser.parse_args(argv)
    x = synthetic_table(args.rows, args.features)
    load_start = [round(v, 2) for v in os.getloadavg()]
    start = time.perf_counter()
    detector = VAEDetector().fit(x)
    seconds = time.perf_counter() - start
    report = {
        "command": command_line(argv),
        "machine": machine_info(),
        "load_average_start": load_start,
        "load_average_end": [round(v, 2) for v in os.getloadavg()],
        "rows": args.rows,
        "features": args.features,
        "fit_seconds": seconds,
        "epochs_run": len(detector.history_["loss"]),
        "steps": int(detector.model_.optimizer.iterations.numpy()),
        "detector": {k: repr(v) for k, v in detector.get_params().items()},
    }
    base = os.path.join(args.out, args.name)
    write_json(base + ".json", report)
    text = (
        f"# Default fit cost\n\nCommand: `{report['command']}`  \n"
        f"Date: {report['machine']['date_utc']}; {report['machine']['cpu']}, "
        f"{report['machine']['logical_cores']} logical cores; load average {load_start} -> "
        f"{report['load_average_end']}\n\n"
        f"`VAEDetector().fit` on {args.rows:,} x {args.features}: **{seconds:.1f} s** "
        f"({report['epochs_run']} epochs, {report['steps']} steps).\n"
    )
    write_text(base + ".md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Share of the training rows a detector flags with `contamination=c`: PyOD's rule vs the old one.

Usage:
    python benchmarks/contamination_share.py --out benchmarks/results

Fits `VAEDetector(contamination=c)` on the 569 rows of scikit-learn's breast-cancer
table (seeds 0-2) and reports the share of those rows `labels_` flags (PyOD's rule:
the `1 - c` quantile of the scores of every row given to `fit`), next to the share the
rule used before issue #23 flags on the same fit (the `1 - c` quantile of the ~57
held-out rows' scores). Writes `contamination_share.json` and `.md` in `--out` with the
command, date and load average.
"""

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import command_line, machine_info  # noqa: E402


def shares(x, contamination, seed):
    """`(PyOD rule share, held-out quantile share, held-out rows)` of one fit."""
    from tfvae.detectors import VAEDetector

    detector = VAEDetector(contamination=contamination, seed=seed).fit(x)
    held_out = np.quantile(detector.calibration_scores_, 1.0 - contamination)
    return (
        float(detector.labels_.mean()),
        float(np.mean(detector.decision_scores_ > held_out)),
        int(detector.calibration_scores_.size),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contamination", type=float, default=0.1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--rows", type=int, default=0, help="first N rows only (0 = all)")
    parser.add_argument("--out", required=True, help="folder of contamination_share.json/.md")
    args = parser.parse_args(argv)
    from sklearn.datasets import load_breast_cancer

    x = load_breast_cancer().data
    x = x[: args.rows] if args.rows else x
    load_start = [round(v, 2) for v in os.getloadavg()]
    runs = []
    for seed in args.seeds:
        pyod, before, n_held_out = shares(x, args.contamination, seed)
        runs.append({"seed": seed, "pyod_rule": pyod, "held_out_quantile": before})
    report = {
        "command": command_line(sys.argv[1:] if argv is None else argv),
        "machine": machine_info(),
        "load_average_start": load_start,
        "rows": int(len(x)),
        "held_out_rows": n_held_out,
        "contamination": args.contamination,
        "runs": runs,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "contamination_share.json"), "w") as f:
        json.dump(report, f, indent=2)
    lines = [
        f"# Share of training rows flagged with contamination={args.contamination}",
        "",
        f"`{report['command']}`  ",
        f"{report['machine']['date_utc']}, load average {load_start} at start. "
        f"{len(x)} rows, {n_held_out} held out.",
        "",
        "| seed | PyOD's rule (`labels_`) | before: quantile of the held-out scores |",
        "| --- | --- | --- |",
        *(f"| {r['seed']} | {r['pyod_rule']:.1%} | {r['held_out_quantile']:.1%} |" for r in runs),
    ]
    with open(os.path.join(args.out, "contamination_share.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

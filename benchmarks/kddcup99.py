"""KDDCup99 (10%) classic split: tfvae VAE vs IsolationForest, same run.

Reports AUROC and, at the 99th-percentile threshold (of held-out normal training
scores for the VAE, the `VAEDetector` default; of training scores for
IsolationForest), precision, recall and F1, plus the latent map and score histogram.

Input: for now a preprocessed `.npz` with float arrays `x_train` (normal training rows),
`x_test` and int `y_test` (1 = attack). The raw-file path (`tfvae.data.load_kddcup99`
+ `classic_split` + tabular preprocessing) plugs into `load_split` when that package lands.

Usage:
    python benchmarks/kddcup99.py --npz kdd_preprocessed.npz --out benchmarks/results
"""

import argparse
import os
import sys
import time

import numpy as np
from sklearn.ensemble import IsolationForest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import command_line, machine_info  # noqa: E402

from tfvae.detectors import VAEDetector  # noqa: E402
from tfvae.evaluation import evaluate  # noqa: E402
from tfvae.evaluation.files import write_json, write_text  # noqa: E402
from tfvae.evaluation.markdown import markdown_table  # noqa: E402
from tfvae.metrics import detection_metrics  # noqa: E402

PERCENTILE = 99.0


def load_split(args):
    """`(x_train, x_test, y_test)` from the preprocessed `.npz`, checked."""
    if args.npz is None:
        raise ValueError(
            "Pass --npz with arrays x_train, x_test, y_test (reading the raw KDD file needs "
            "tfvae.data, not on this branch yet)."
        )
    with np.load(args.npz, allow_pickle=False) as data:
        missing = {"x_train", "x_test", "y_test"} - set(data.files)
        if missing:
            raise ValueError(f"{args.npz} lacks the arrays {sorted(missing)}.")
        x_train, x_test = data["x_train"].astype(np.float32), data["x_test"].astype(np.float32)
        y_test = data["y_test"].astype(np.int64).reshape(-1)
    if x_train.shape[1] != x_test.shape[1] or len(x_test) != len(y_test):
        raise ValueError(f"Shapes disagree: x_train {x_train.shape}, x_test {x_test.shape}, y_test {y_test.shape}.")
    return x_train, x_test, y_test


def run_models(x_train, x_test, y_test, epochs, seed, plots_dir):
    results = {}
    start = time.perf_counter()
    vae = VAEDetector(seed=seed, **({} if epochs is None else {"epochs": epochs})).fit(x_train)
    fit_s = time.perf_counter() - start
    evaluation = evaluate(vae, x_test, y_test, out_dir=plots_dir)
    results["vae"] = {**evaluation["metrics"], "fit_s": fit_s, "epochs_run": len(vae.history_["loss"]),
                      "auroc_by_score": evaluation["auroc_by_score"]}
    start = time.perf_counter()
    forest = IsolationForest(random_state=seed).fit(x_train)
    fit_s = time.perf_counter() - start
    threshold = float(np.percentile(-forest.score_samples(x_train), PERCENTILE))
    results["iforest"] = {**detection_metrics(y_test, -forest.score_samples(x_test), threshold), "fit_s": fit_s}
    return results


def render_markdown(report):
    rows = [[name, r["auroc"], r["auprc"], r["precision"], r["recall"], r["f1"], r["false_positive_rate"]]
            for name, r in report["results"].items()]
    return "\n".join([
        "# KDDCup99 classic split (tfvae VAE vs IsolationForest, same run)", "",
        f"Command: `{report['command']}`  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['logical_cores']} logical cores; "
        f"date {report['machine']['date_utc']}  ",
        f"Train: {report['n_train']} normal rows; test: {report['n_test']} rows, "
        f"{report['n_test_anomalies']} attacks. Threshold: {PERCENTILE:g}th percentile.", "",
        markdown_table(["model", "AUROC", "AUPRC", "precision", "recall", "F1", "FPR"], rows, digits=4), "",
    ])


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--npz", default=None, help="preprocessed split (x_train, x_test, y_test)")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--name", default="kddcup99")
    parser.add_argument("--epochs", type=int, default=None, help="VAE max epochs (default: its own)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    x_train, x_test, y_test = load_split(args)
    report = {
        "command": command_line(argv), "machine": machine_info(),
        "n_train": len(x_train), "n_test": len(x_test), "n_test_anomalies": int(y_test.sum()),
        "results": run_models(x_train, x_test, y_test, args.epochs, args.seed,
                              os.path.join(args.out, f"{args.name}_plots")),
    }
    write_json(os.path.join(args.out, f"{args.name}.json"), report)
    markdown = render_markdown(report)
    write_text(os.path.join(args.out, f"{args.name}.md"), markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())

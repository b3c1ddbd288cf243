"""KDD Cup 99 (10%), classic split: tfvae VAE vs IsolationForest in the same run.

Train on the first 80% of the `normal.` rows (file order), test on the other 20% plus as
many attack rows (`tfvae.data.classic_split`). The VAE is `TabularVAEDetector` with its
defaults (latent 8, hidden 64-32, beta 1, negative ELBO score, `log_transform="auto"`,
standard scaling; 10% of the training rows held out for early stopping and the
threshold) at batch 256; it reads the 41 raw columns. IsolationForest
(`random_state=seed`) gets the same encoded features: the output of the VAE's fitted
`TabularPreprocessor` (one-hot categories, logged byte counts, standardised numbers).
Threshold: the 99th percentile of held-out normal scores for the VAE (the detector's
rule), of training scores for IsolationForest. Reports AUROC, AUPRC, precision, recall,
F1 and FPR at that threshold, with pass/fail against the project targets.

The same split as numeric ARRAYS, as the peers (PyOD, alibi-detect) use it: one-hot of
the three categorical columns (categories of the whole file) and MinMax scaling fit on
the training rows. On those arrays `VAEDetector()` with its defaults, the `Autoencoder`
baseline (`VAEDetector(variational=False, score_name="reconstruction_error")`) and
IsolationForest are compared (table "arrays").

Usage:
    python benchmarks/kddcup99.py ../shared/data/kddcup99/kddcup.data_10_percent.gz --out benchmarks/results
    python benchmarks/kddcup99.py <path> --quick   # every 20th row, 2 epochs (smoke run)
"""

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.preprocessing import MinMaxScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import command_line, machine_info  # noqa: E402

from tfvae.atomic import write_json, write_text  # noqa: E402
from tfvae.data.kddcup99 import classic_split, load_kddcup99  # noqa: E402
from tfvae.detectors import TabularVAEDetector, VAEDetector  # noqa: E402
from tfvae.evaluation.markdown import markdown_table  # noqa: E402
from tfvae.metrics import detection_metrics  # noqa: E402
from tfvae.preprocessing import to_columns  # noqa: E402

PERCENTILE = 99.0
#: Project targets (issue #7) for the VAE on this split.
TARGETS = {"auroc": 0.995, "f1": 0.96}
#: Target of `VAEDetector()` defaults on the one-hot + MinMax arrays (issue #11).
ARRAY_TARGETS = {"auroc": 0.99}
CATEGORICAL = ("protocol_type", "service", "flag")


def classic_arrays(train, test):
    """`(x_train, x_test)`: one-hot categories (of both frames) and MinMax fit on train."""
    both = pd.get_dummies(pd.concat([train, test]), columns=list(CATEGORICAL), dtype=np.float64)
    x = both.to_numpy(np.float64)
    scaler = MinMaxScaler().fit(x[: len(train)])
    x = np.clip(scaler.transform(x), -1e6, 1e6)  # values far above the training range stay finite
    return x[: len(train)].astype(np.float32), x[len(train) :].astype(np.float32)


def run_arrays(train, test, y_test, seed):
    """`VAEDetector()` defaults, the Autoencoder and IsolationForest on the classic arrays."""
    x_train, x_test = classic_arrays(train, test)
    detectors = {
        "vae": lambda: VAEDetector(seed=seed),
        "autoencoder": lambda: VAEDetector(
            variational=False, score_name="reconstruction_error", seed=seed
        ),
    }
    results = {}
    for name, make in detectors.items():
        start = time.perf_counter()
        detector = make().fit(x_train)
        results[name] = {
            **detection_metrics(y_test, detector.score_samples(x_test), detector.threshold_),
            "fit_s": time.perf_counter() - start,
            "epochs_run": len(detector.history_["loss"]),
        }
    start = time.perf_counter()
    forest = IsolationForest(random_state=seed).fit(x_train)
    threshold = float(np.percentile(-forest.score_samples(x_train), PERCENTILE))
    results["iforest"] = {
        **detection_metrics(y_test, -forest.score_samples(x_test), threshold),
        "fit_s": time.perf_counter() - start,
    }
    return {"n_features": int(x_train.shape[1]), "results": results}


def encoded(detector, frame):
    """The VAE's preprocessed features of `frame` (what the network sees), as numpy."""
    preprocessor = detector.preprocessor_
    columns = to_columns(frame, preprocessor)
    parts = [
        np.asarray(preprocessor({k: v[i : i + 65536] for k, v in columns.items()}))
        for i in range(0, len(frame), 65536)
    ]
    return np.concatenate(parts).astype(np.float32)


def run_models(train, test, y_test, epochs, seed):
    results = {}
    start = time.perf_counter()
    vae = TabularVAEDetector(epochs=epochs, batch_size=256, seed=seed).fit(train)
    fit_s = time.perf_counter() - start
    results["vae"] = {
        **detection_metrics(y_test, vae.score_samples(test), vae.threshold_),
        "fit_s": fit_s,
        "epochs_run": len(vae.history_["loss"]),
        "n_features_encoded": int(vae.model_.preprocessor.output_dim),
    }
    x_train, x_test = encoded(vae, train), encoded(vae, test)
    start = time.perf_counter()
    forest = IsolationForest(random_state=seed).fit(x_train)
    fit_s = time.perf_counter() - start
    threshold = float(np.percentile(-forest.score_samples(x_train), PERCENTILE))
    results["iforest"] = {
        **detection_metrics(y_test, -forest.score_samples(x_test), threshold),
        "fit_s": fit_s,
    }
    return results


def _rows(results):
    return [
        [
            name,
            r["auroc"],
            r["auprc"],
            r["precision"],
            r["recall"],
            r["f1"],
            r["false_positive_rate"],
            round(r["fit_s"], 1),
        ]
        for name, r in results.items()
    ]


def render_markdown(report):
    rows = _rows(report["results"])
    vae = report["results"]["vae"]
    checks = [
        [f"VAE {key.upper()} >= {target}", vae[key], "pass" if vae[key] >= target else "FAIL"]
        for key, target in TARGETS.items()
    ]
    return "\n".join(
        [
            "# KDDCup99 classic split (tfvae VAE vs IsolationForest, same run)",
            "",
            f"Command: `{report['command']}`  ",
            f"Machine: {report['machine']['cpu']}, {report['machine']['logical_cores']} logical cores; "
            f"date {report['machine']['date_utc']}; load average {report['loadavg']}  ",
            f"Train: {report['n_train']} normal rows; test: {report['n_test']} rows, "
            f"{report['n_test_anomalies']} attacks; {vae['n_features_encoded']} encoded features; "
            f"VAE epochs run: {vae['epochs_run']} (max {report['config']['epochs']}). "
            f"Threshold: {PERCENTILE:g}th percentile.",
            "",
            markdown_table(
                ["model", "AUROC", "AUPRC", "precision", "recall", "F1", "FPR", "fit s"],
                rows,
                digits=4,
            ),
            "",
            markdown_table(["target", "measured", "result"], checks, digits=4),
            "",
            *_arrays_markdown(report.get("arrays")),
        ]
    )


def _arrays_markdown(arrays):
    if arrays is None:
        return []
    vae = arrays["results"]["vae"]
    checks = [
        [f"VAEDetector() AUROC >= {target}", vae[key], "pass" if vae[key] >= target else "FAIL"]
        for key, target in ARRAY_TARGETS.items()
    ]
    header = ["model", "AUROC", "AUPRC", "precision", "recall", "F1", "FPR", "fit s"]
    return [
        f"## Arrays: one-hot + MinMax, {arrays['n_features']} features (the peers' protocol)",
        "",
        "`vae` = `VAEDetector()` with its defaults; `autoencoder` = "
        '`VAEDetector(variational=False, score_name="reconstruction_error")`.',
        "",
        markdown_table(header, _rows(arrays["results"]), digits=4),
        "",
        markdown_table(["target", "measured", "result"], checks, digits=4),
        "",
    ]


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="kddcup.data_10_percent.gz")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--name", default="kddcup99")
    parser.add_argument("--epochs", type=int, default=20, help="VAE max epochs")
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the attack sample and both models"
    )
    parser.add_argument(
        "--quick", action="store_true", help="every 20th row, 2 epochs: a smoke run"
    )
    args = parser.parse_args(argv)
    frame = load_kddcup99(args.path)
    if args.quick:
        frame, args.epochs = frame.iloc[::20].reset_index(drop=True), 2
    train, test, y_test = classic_split(frame, seed=args.seed)
    report = {
        "command": command_line(argv),
        "machine": machine_info(),
        "loadavg": [round(v, 2) for v in os.getloadavg()],
        "config": vars(args),
        "n_train": len(train),
        "n_test": len(test),
        "n_test_anomalies": int(y_test.sum()),
        "results": run_models(train, test, y_test, args.epochs, args.seed),
        "arrays": run_arrays(train, test, y_test, args.seed),
        "targets": {**TARGETS, **{f"arrays_{k}": v for k, v in ARRAY_TARGETS.items()}},
    }
    report["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    write_json(os.path.join(args.out, f"{args.name}.json"), report)
    markdown = render_markdown(report)
    write_text(os.path.join(args.out, f"{args.name}.md"), markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Detection quality on the ADBench classical tables: tfvae VAE vs its peers, same run.

Protocol (ADBench, Han et al., NeurIPS 2022): at most 10,000 rows per data set (a
stratified subsample), a stratified 70/30 train/test split per seed, MinMax scaling
fit on the training rows, seeds 1-3. Models train on the training split's NORMAL rows
(`--train-on normal`, the semi-supervised setting) or on all its rows (`--train-on all`,
the unsupervised setting, labels unused). Compared: `VAEDetector()` with its defaults,
the `Autoencoder` baseline (`VAEDetector(variational=False)`, reconstruction error),
`PCADetector()` and scikit-learn's `IsolationForest(random_state=seed)`. The VAE's other
scores (reconstruction error, KL) come from the same fitted model, at no extra training.

Usage:
    python benchmarks/adbench.py --data ../shared/data/adbench --out benchmarks/results
    python benchmarks/adbench.py --quick --data DIR --out DIR   # 3 data sets, 1 seed, 3 epochs
"""

import argparse
import ast
import json
import os
import pathlib
import re
import sys
import time

import numpy as np
from sklearn import metrics as sk_metrics
from sklearn.ensemble import IsolationForest
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import command_line, machine_info  # noqa: E402

from tfvae.detectors import PCADetector, VAEDetector  # noqa: E402
from tfvae.evaluation.files import write_json, write_text  # noqa: E402
from tfvae.evaluation.markdown import markdown_table  # noqa: E402

MAX_ROWS = 10_000
TEST_SIZE = 0.3
METHODS = ("vae", "autoencoder", "pca", "iforest")
#: Extra VAE scores read from the same fitted model (its default is negative_elbo).
VAE_EXTRA_SCORES = ("reconstruction_error", "kl")


def load_dataset(path):
    """`(X, y)` of an ADBench `.npz` (arrays `X` float, `y` 0/1), checked."""
    with np.load(path) as data:
        missing = {"X", "y"} - set(data.files)
        if missing:
            raise ValueError(f"{path} lacks the arrays {sorted(missing)} (expected `X` and `y`).")
        x, y = data["X"].astype(np.float64), data["y"].astype(np.int64).reshape(-1)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"{path}: expected X [n, d] and y [n]; got {x.shape} and {y.shape}.")
    if not set(np.unique(y).tolist()) <= {0, 1} or y.min() == y.max():
        raise ValueError(f"{path}: `y` must hold both 0 (normal) and 1 (anomaly).")
    if not np.isfinite(x).all():
        raise ValueError(f"{path}: X holds NaN or inf values.")
    return x, y


def split(x, y, seed, max_rows=MAX_ROWS):
    """Stratified subsample to `max_rows`, stratified 70/30 split, MinMax fit on train."""
    if len(x) > max_rows:
        x, _, y, _ = train_test_split(x, y, train_size=max_rows, stratify=y, random_state=seed)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_SIZE, stratify=y, random_state=seed
    )
    scaler = MinMaxScaler().fit(x_train)
    return scaler.transform(x_train), y_train, scaler.transform(x_test), y_test


def _ranking_metrics(y, scores):
    if not np.isfinite(scores).all():
        return {"auroc": None, "auprc": None, "error": "non-finite scores"}
    return {
        "auroc": float(sk_metrics.roc_auc_score(y, scores)),
        "auprc": float(sk_metrics.average_precision_score(y, scores)),
    }


def parse_vae_options(pairs):
    """`["standardize=False", "latent_dim=4"]` -> kwargs, checked against VAEDetector."""
    known = set(VAEDetector().get_params())
    options = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or key not in known:
            raise ValueError(f"Bad --vae-options entry {pair!r}: expected KEY=VALUE, KEY in {sorted(known)}.")
        options[key] = ast.literal_eval(value)
    return options


def run_method(method, x_train, x_test, y_test, seed, epochs, vae_options=None):
    """Fits one method and returns `{column: metrics}` (the VAE yields several columns)."""
    vae_kwargs = {} if epochs is None else {"epochs": epochs}
    start = time.perf_counter()
    if method == "iforest":
        model = IsolationForest(random_state=seed).fit(x_train)
        fit_s = time.perf_counter() - start
        columns = {"iforest": -model.score_samples(x_test)}
    elif method == "pca":
        model = PCADetector(seed=seed).fit(x_train)
        fit_s = time.perf_counter() - start
        columns = {"pca": model.score_samples(x_test)}
    elif method == "autoencoder":
        model = VAEDetector(
            variational=False, score_name="reconstruction_error", seed=seed, **vae_kwargs
        ).fit(x_train)
        fit_s = time.perf_counter() - start
        columns = {"autoencoder": model.score_samples(x_test)}
    elif method == "vae":
        model = VAEDetector(seed=seed, **{**vae_kwargs, **(vae_options or {})}).fit(x_train)
        fit_s = time.perf_counter() - start
        details = model.score_details(x_test)
        columns = {"vae": details["score"]}
        columns.update({f"vae[{name}]": details[name] for name in VAE_EXTRA_SCORES})
    else:
        raise ValueError(f"Unknown method {method!r}; expected one of {METHODS}.")
    result = {}
    for column, scores in columns.items():
        result[column] = {**_ranking_metrics(y_test, np.asarray(scores, np.float64)), "fit_s": fit_s}
        if method in ("vae", "autoencoder"):
            result[column]["epochs_run"] = len(model.history_["loss"])
    return result


def _dataset_paths(data_dir, names):
    paths = sorted(
        pathlib.Path(data_dir).glob("*.npz"),
        key=lambda p: (int(m.group(1)) if (m := re.match(r"(\d+)_", p.name)) else 10**9, p.name),
    )
    if not paths:
        raise FileNotFoundError(f"No .npz files in {data_dir} (expected the ADBench tables).")
    if names:
        by_name = {p.stem: p for p in paths}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise ValueError(f"Unknown data sets {unknown}; available: {sorted(by_name)}")
        paths = [by_name[n] for n in names]
    return paths


def summarize(results):
    """Mean AUROC/AUPRC over seeds per data set and column, plus the means over data sets."""
    table = {}
    for dataset, runs in results.items():
        table[dataset] = {}
        columns = {c for run in runs for c in run["methods"]}
        for column in columns:
            for key in ("auroc", "auprc"):
                values = [r["methods"][column][key] for r in runs if column in r["methods"]]
                values = [v for v in values if v is not None]
                table[dataset].setdefault(column, {})[key] = float(np.mean(values)) if values else None
    columns = sorted({c for d in table.values() for c in d}, key=_column_order)
    means = {}
    for column in columns:
        for key in ("auroc", "auprc"):
            values = [d[column][key] for d in table.values() if d.get(column, {}).get(key) is not None]
            means.setdefault(column, {})[key] = float(np.mean(values)) if values else None
    return {"per_dataset": table, "mean": means, "columns": columns}


def _column_order(column):
    base = column.split("[")[0]
    return (METHODS.index(base) if base in METHODS else len(METHODS), column)


def _options(options):
    return ", ".join(f"{k}={v!r}" for k, v in (options or {}).items()) or "defaults"


def render_markdown(report):
    summary = report["summary"]
    columns = summary["columns"]
    config = report["config"]
    lines = [
        "# ADBench benchmark (tfvae vs peers, same run)",
        "",
        f"Command: `{report['command']}`  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['logical_cores']} logical cores; "
        f"TensorFlow {report['machine']['tensorflow']}, Keras {report['machine']['keras']}  ",
        f"Date: {report['machine']['date_utc']}  ",
        f"Protocol: at most {config['max_rows']} rows (stratified), stratified 70/30 split, MinMax "
        f"fit on train, seeds {config['seeds']}, trained on {config['train_on']} training rows; "
        f"VAE/AE epochs: {config['epochs'] or 'default (100, early stopping)'}.  ",
        f"`vae` = VAEDetector({_options(config.get('vae_options'))}) (score "
        f"{(config.get('vae_options') or {}).get('score_name', 'negative_elbo')}); `vae[...]` = other "
        "scores of the same fitted VAE.",
        "",
    ]
    for key in ("auroc", "auprc"):
        rows = [
            [dataset] + [summary["per_dataset"][dataset].get(c, {}).get(key) for c in columns]
            for dataset in summary["per_dataset"]
        ]
        rows.append(["**mean**"] + [summary["mean"][c][key] for c in columns])
        lines += [f"## {key.upper()}", "", markdown_table(["data set", *columns], rows), ""]
    failures = [
        f"- {dataset} seed {run['seed']}: {column}: {result['error']}"
        for dataset, runs in report["results"].items() for run in runs
        for column, result in run["methods"].items() if result.get("error")
    ]
    if failures:
        lines += ["## Failures (left out of the means above)", "", *failures, ""]
    return "\n".join(lines)


def merge_reports(paths, base):
    """Combines the per-seed runs of several result files (same data, other seeds/methods)."""
    reports = [json.loads(pathlib.Path(p).read_text()) for p in paths]
    merged = {**reports[0], "command": " + ".join(r["command"] for r in reports), "results": {}}
    merged["config"] = {**reports[0]["config"], "seeds": sorted({s for r in reports for s in r["config"]["seeds"]})}
    for report in reports:
        for dataset, runs in report["results"].items():
            merged["results"].setdefault(dataset, []).extend(runs)
    merged["summary"] = summarize(merged["results"])
    write_json(base + ".json", merged)
    write_text(base + ".md", render_markdown(merged) + "\n")
    print(f"Wrote {base}.json and {base}.md")
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/adbench", help="folder of ADBench .npz")
    parser.add_argument("--out", default="benchmarks/results", help="folder for adbench.json/.md")
    parser.add_argument("--datasets", nargs="*", default=None, help="file stems (default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=None, help="VAE/AE max epochs (default: theirs)")
    parser.add_argument("--max-rows", type=int, default=MAX_ROWS)
    parser.add_argument("--train-on", choices=("normal", "all"), default="normal")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--quick", action="store_true", help="3 data sets, seed 1, 3 epochs")
    parser.add_argument("--name", default="adbench", help="basename of the output files")
    parser.add_argument("--vae-options", nargs="*", default=[], metavar="KEY=VALUE",
                        help="VAEDetector arguments for the `vae` column (default: none)")
    parser.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                        help="only combine the runs of these result files into --out/--name")
    parser.add_argument("--render", default=None, help="only re-write the .md of this .json")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs = [1], args.epochs or 3
    return args


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.merge:
        return merge_reports(args.merge, os.path.join(args.out, args.name))
    if args.render:
        report = json.loads(pathlib.Path(args.render).read_text())
        report["summary"] = summarize(report["results"])
        md_path = write_text(os.path.splitext(args.render)[0] + ".md", render_markdown(report) + "\n")
        print(f"Wrote {md_path}")
        return 0
    vae_options = parse_vae_options(args.vae_options)
    paths = _dataset_paths(args.data, args.datasets)
    if args.quick and not args.datasets:
        paths = paths[:3]
    report = {
        "command": command_line(argv),
        "machine": machine_info(),
        "config": {
            "datasets": [p.stem for p in paths], "seeds": args.seeds, "epochs": args.epochs,
            "max_rows": args.max_rows, "train_on": args.train_on, "test_size": TEST_SIZE,
            "methods": args.methods, "vae_options": vae_options,
        },
        "results": {},
    }
    json_path = os.path.join(args.out, f"{args.name}.json")
    md_path = os.path.join(args.out, f"{args.name}.md")
    for path in paths:
        x, y = load_dataset(path)
        runs = []
        for seed in args.seeds:
            x_train, y_train, x_test, y_test = split(x, y, seed, args.max_rows)
            if args.train_on == "normal":
                x_train = x_train[y_train == 0]
            run = {"seed": seed, "n_train": len(x_train), "n_test": len(x_test), "methods": {}}
            for method in args.methods:
                try:
                    run["methods"].update(
                        run_method(method, x_train, x_test, y_test, seed, args.epochs, vae_options)
                    )
                except (ValueError, FloatingPointError) as error:
                    # Reported as a failure of that method on that data set, never hidden.
                    run["methods"][method] = {"auroc": None, "auprc": None, "error": str(error)}
                    print(f"{path.stem} seed {seed}: {method} failed: {error}", flush=True)
            runs.append(run)
            line = ", ".join(f"{c} {m['auroc']:.3f}" for c, m in run["methods"].items() if m["auroc"])
            print(f"{path.stem} seed {seed}: AUROC {line}", flush=True)
        report["results"][path.stem] = runs
        # Rewritten after every data set so an interrupted run keeps what it measured.
        report["summary"] = summarize(report["results"])
        write_json(json_path, report)
        write_text(md_path, render_markdown(report) + "\n")
    print(f"Wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Detection quality on the ADBench classical tables: tfvae vs its peers, same run.

Two settings, each over at most 10,000 rows per data set (a stratified subsample) and
seeds 1-3, every method on identical splits:

- `semi` (semi-supervised; ADBench, Han et al., NeurIPS 2022): stratified 70/30
  train/test split, MinMax scaling fit on the training rows, models trained on the
  NORMAL rows of the training split.
- `contaminated` (PyOD's benchmark protocol): random 60/40 split, StandardScaler fit on
  the training rows, models trained on ALL training rows (anomalies included, labels
  unused), as most users have no clean normal data.

Methods: `VAEDetector()` with its defaults (`vae`; its other scores come from the same
fitted model at no extra training: `vae[negative_elbo]`, `vae[neighbour_distance]`,
`vae[reconstruction_error]`, `vae[kl]`), the `Autoencoder` baseline
(`VAEDetector(variational=False, score_name="reconstruction_error")`), `GANDetector()`
(GANomaly, its defaults), `PCADetector()`, scikit-learn's
`IsolationForest(random_state=seed)`, kNN (distance to the 5th nearest training row,
scikit-learn `NearestNeighbors`) and `odim`, a peer built for training rows with
anomalies: ODIM-style (Kim et al., ICML 2024; our implementation), the negative ELBO of
five VAEs stopped after `ODIM_UPDATES` updates, while they have fitted the bulk of the rows
but not yet the rare ones (fixed update count; the paper picks it per data set).
`--variant NAME K=V ...` adds a VAE column `vae:NAME` with those arguments (used to choose
the defaults).

Usage:
    python benchmarks/adbench.py --out benchmarks/results
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
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import MinMaxScaler, StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import command_line, machine_info  # noqa: E402

from tfvae.atomic import write_json, write_text  # noqa: E402
from tfvae.detectors import GANDetector, PCADetector, VAEDetector  # noqa: E402
from tfvae.detectors.gan_training_check import GANTrainingError  # noqa: E402
from tfvae.evaluation.markdown import markdown_table  # noqa: E402
from tfvae.fitting.schedule import training_schedule  # noqa: E402

MAX_ROWS = 10_000
SETTINGS = ("semi", "contaminated")
METHODS = ("vae", "autoencoder", "gan", "pca", "iforest", "knn", "odim")
#: Extra VAE scores read from the same fitted model (those it has).
VAE_EXTRA_SCORES = ("negative_elbo", "neighbour_distance", "reconstruction_error", "kl")
#: Gradient updates of the ODIM-style peer (batch 128, learning rate 1e-3).
ODIM_UPDATES = 256
KNN_NEIGHBORS = 5


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


def split(x, y, seed, setting="semi", max_rows=MAX_ROWS):
    """`(x_train, x_test, y_test)` of one setting (see the module docstring)."""
    if setting not in SETTINGS:
        raise ValueError(f"Unknown setting {setting!r}; expected one of {SETTINGS}.")
    if len(x) > max_rows:
        x, _, y, _ = train_test_split(x, y, train_size=max_rows, stratify=y, random_state=seed)
    if setting == "semi":
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=0.3, stratify=y, random_state=seed
        )
        scaler = MinMaxScaler().fit(x_train)
        x_train = x_train[y_train == 0]
    else:
        x_train, x_test, _, y_test = train_test_split(x, y, test_size=0.4, random_state=seed)
        scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test), y_test


def _ranking_metrics(y, scores):
    if not np.isfinite(scores).all():
        return {"auroc": None, "auprc": None, "error": "non-finite scores"}
    if y.min() == y.max():
        return {"auroc": None, "auprc": None, "error": "the test split holds one class"}
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
            raise ValueError(
                f"Bad VAE option {pair!r}: expected KEY=VALUE, KEY in {sorted(known)}."
            )
        try:
            options[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            options[key] = value  # a bare word is a string: score_name=kl
    return options


def knn_scores(x_train, x_test, k=KNN_NEIGHBORS):
    """Distance of each test row to its k-th nearest training row."""
    k = min(k, len(x_train))
    return NearestNeighbors(n_neighbors=k).fit(x_train).kneighbors(x_test)[0][:, -1]


def odim_detector(n_rows, seed):
    """The ODIM-style peer: five VAEs, `ODIM_UPDATES` updates, negative ELBO (no filter,
    no neighbours, no hold-out)."""
    steps_per_epoch, _, _ = training_schedule(n_rows, 128, 1)
    return VAEDetector(
        score_name="negative_elbo",
        filter_fraction=0.0,
        learning_rate=1e-3,
        validation_fraction=0.0,
        epochs=max(1, round(ODIM_UPDATES / steps_per_epoch)),
        seed=seed,
    )


def _fit_columns(method, x_train, x_test, seed, epochs, options):
    """Fits one method; returns `(model, {column: scores})`."""
    epoch_kwargs = {} if epochs is None else {"epochs": epochs}
    if method == "iforest":
        model = IsolationForest(random_state=seed).fit(x_train)
        return model, {"iforest": -model.score_samples(x_test)}
    if method == "knn":
        return None, {"knn": knn_scores(x_train, x_test)}
    if method == "pca":
        return None, {"pca": PCADetector(seed=seed).fit(x_train).score_samples(x_test)}
    if method == "gan":
        model = GANDetector(seed=seed).fit(x_train)
        return model, {"gan": model.score_samples(x_test)}
    if method == "odim":
        model = odim_detector(len(x_train), seed).fit(x_train)
        return model, {"odim": model.score_samples(x_test)}
    if method == "autoencoder":
        model = VAEDetector(
            variational=False, score_name="reconstruction_error", seed=seed, **epoch_kwargs
        ).fit(x_train)
        return model, {"autoencoder": model.score_samples(x_test)}
    if method.startswith("vae"):
        model = VAEDetector(seed=seed, **{**epoch_kwargs, **options}).fit(x_train)
        details = model.score_details(x_test)
        columns = {method: details["score"]}
        columns.update(
            {f"{method}[{name}]": details[name] for name in VAE_EXTRA_SCORES if name in details}
        )
        return model, columns
    raise ValueError(f"Unknown method {method!r}; expected one of {METHODS} or vae:NAME.")


def run_method(method, x_train, x_test, y_test, seed, epochs, options=None):
    """Fits one method and returns `{column: metrics + fit_s}`."""
    start = time.perf_counter()
    model, columns = _fit_columns(method, x_train, x_test, seed, epochs, options or {})
    seconds = time.perf_counter() - start  # fit + scoring the test split
    result = {}
    for column, scores in columns.items():
        result[column] = {
            **_ranking_metrics(y_test, np.asarray(scores, np.float64)),
            "fit_s": seconds,
        }
        if hasattr(model, "history_"):
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


def _mean(values):
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def summarize_setting(results):
    """Per data set the mean over seeds of AUROC/AUPRC/fit_s, and the means over data sets."""
    table = {}
    for dataset, runs in results.items():
        columns = {c for run in runs for c in run["methods"]}
        table[dataset] = {
            column: {
                key: _mean([r["methods"][column].get(key) for r in runs if column in r["methods"]])
                for key in ("auroc", "auprc", "fit_s")
            }
            for column in columns
        }
    columns = sorted({c for d in table.values() for c in d}, key=_column_order)
    means = {
        column: {
            key: _mean([d[column][key] for d in table.values() if column in d])
            for key in ("auroc", "auprc", "fit_s")
        }
        for column in columns
    }
    complete = {  # a mean over fewer data sets than the others is not comparable
        column: sum(1 for d in table.values() if (d.get(column) or {}).get("auroc") is not None)
        for column in columns
    }
    return {"per_dataset": table, "mean": means, "columns": columns, "n_datasets": complete}


def summarize(results):
    """`summarize_setting` for each setting present in `results`."""
    return {setting: summarize_setting(runs) for setting, runs in results.items()}


def _column_order(column):
    base = re.split(r"[\[:]", column)[0]
    return (METHODS.index(base) if base in METHODS else len(METHODS), column)


def _options(options):
    return ", ".join(f"{k}={v!r}" for k, v in (options or {}).items()) or "defaults"


def _setting_markdown(setting, summary):
    columns = summary["columns"]
    title = {
        "semi": "Semi-supervised (stratified 70/30, MinMax, trained on normal training rows)",
        "contaminated": "Contaminated (random 60/40, StandardScaler, trained on all training rows)",
    }[setting]
    lines = [f"## {title}", ""]
    for key, label in (("auroc", "AUROC"), ("auprc", "AUPRC"), ("fit_s", "fit + score seconds")):
        rows = [
            [dataset] + [summary["per_dataset"][dataset].get(c, {}).get(key) for c in columns]
            for dataset in summary["per_dataset"]
        ]
        rows.append(["**mean**"] + [summary["mean"][c][key] for c in columns])
        lines += [f"### {label}", "", markdown_table(["data set", *columns], rows), ""]
    return lines


def render_markdown(report):
    config = report["config"]
    machine = report["machine"]
    variants = config.get("variants") or {}
    lines = [
        "# ADBench benchmark (tfvae vs peers, same run)",
        "",
        f"Command: `{report['command']}`  ",
        f"Machine: {machine['cpu']}, {machine['logical_cores']} logical cores; "
        f"TensorFlow {machine['tensorflow']}, Keras {machine['keras']}; "
        f"load average at start {machine.get('load_average')}  ",
        f"Date: {machine['date_utc']}  ",
        f"Protocol: at most {config['max_rows']} rows (stratified), seeds {config['seeds']}, "
        f"settings {config['settings']}; VAE/AE epochs: {config['epochs'] or 'their defaults'}.  ",
        "`vae` = `VAEDetector()` defaults; `vae[...]` = other scores of the same fitted VAE; "
        "`autoencoder` = `VAEDetector(variational=False, score_name='reconstruction_error')`; "
        "`gan` = `GANDetector()`; "
        f"`knn` = distance to the {KNN_NEIGHBORS}th nearest training row; "
        f"`odim` = ODIM-style peer ({ODIM_UPDATES} updates of five VAEs, negative ELBO).",
        "",
    ]
    lines += [f"- `vae:{name}` = VAEDetector({_options(opts)})" for name, opts in variants.items()]
    lines.append("")
    for setting, summary in report["summary"].items():
        lines += _setting_markdown(setting, summary)
    failures = [
        f"- {setting} {dataset} seed {run['seed']}: {column}: {result['error']}"
        for setting, results in report["results"].items()
        for dataset, runs in results.items()
        for run in runs
        for column, result in run["methods"].items()
        if result.get("error")
    ]
    if failures:
        lines += ["## Failures (left out of the means above)", "", *failures, ""]
    return "\n".join(lines)


def _write(report, base):
    report["summary"] = summarize(report["results"])
    write_json(base + ".json", report)
    write_text(base + ".md", render_markdown(report) + "\n")


def merge_reports(paths, base):
    """Combines the runs of several result files (other seeds, settings or methods)."""
    reports = [json.loads(pathlib.Path(p).read_text()) for p in paths]
    merged = {**reports[0], "command": " + ".join(r["command"] for r in reports), "results": {}}
    merged["config"] = {
        **reports[0]["config"],
        "seeds": sorted({s for r in reports for s in r["config"]["seeds"]}),
        "settings": [s for s in SETTINGS if any(s in r["config"]["settings"] for r in reports)],
        "variants": {k: v for r in reports for k, v in (r["config"].get("variants") or {}).items()},
    }
    for report in reports:
        for setting, results in report["results"].items():
            for dataset, runs in results.items():
                target = merged["results"].setdefault(setting, {}).setdefault(dataset, [])
                for run in runs:
                    same = next((r for r in target if r["seed"] == run["seed"]), None)
                    if same is None:
                        target.append(json.loads(json.dumps(run)))
                    else:  # same seed, other methods: one row of columns
                        same["methods"].update(run["methods"])
    _write(merged, base)
    print(f"Wrote {base}.json and {base}.md")
    return 0


def compare_columns(paths, reference, base):
    """Each column of the seed-1 runs in `paths` against `reference`, on the data sets both ran.

    Screening runs cover different data sets (they were split over processes), so
    every column is compared with the reference column on exactly the data sets
    they share: the mean AUROC of each, the difference and the number of wins.
    """
    reports = [json.loads(pathlib.Path(p).read_text()) for p in paths]
    aurocs = {}
    for report in reports:
        for setting, results in report["results"].items():
            for dataset, runs in results.items():
                for column, result in runs[0]["methods"].items():
                    if result.get("auroc") is not None:
                        aurocs.setdefault(setting, {}).setdefault(column, {})[dataset] = result[
                            "auroc"
                        ]
    rows = []
    for setting, columns in aurocs.items():
        ref = columns.get(reference, {})
        for column, values in columns.items():
            shared = sorted(set(values) & set(ref))
            if not shared or column.endswith("[kl]"):
                continue
            mean, ref_mean = (float(np.mean([v[d] for d in shared])) for v in (values, ref))
            wins = sum(values[d] > ref[d] for d in shared)
            rows.append([setting, column, len(shared), mean, ref_mean, mean - ref_mean, wins])
    rows.sort(key=lambda r: (SETTINGS.index(r[0]), -r[5]))
    command = command_line(sys.argv[1:])
    machine = machine_info()
    lines = [
        f"# VAE default selection: every column against `{reference}`",
        "",
        f"Command: `{command}`  ",
        f"Date: {machine['date_utc']}  ",
        f"Inputs: {', '.join(f'`{p}`' for p in paths)} (seed 1)",
        "",
        markdown_table(
            [
                "setting",
                "column",
                "data sets",
                "mean AUROC",
                f"{reference} on them",
                "difference",
                f"wins over {reference}",
            ],
            rows,
        ),
        "",
    ]
    write_json(
        base + ".json",
        {
            "command": command,
            "machine": machine,
            "reference": reference,
            "inputs": list(paths),
            "rows": rows,
        },
    )
    write_text(base + ".md", "\n".join(lines) + "\n")
    print(f"Wrote {base}.json and {base}.md")
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/adbench", help="folder of ADBench .npz")
    parser.add_argument("--out", default="benchmarks/results", help="folder for the results")
    parser.add_argument("--datasets", nargs="*", default=None, help="file stems (default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--settings", nargs="+", choices=SETTINGS, default=list(SETTINGS))
    parser.add_argument(
        "--epochs", type=int, default=None, help="VAE/AE max epochs (default: theirs)"
    )
    parser.add_argument("--max-rows", type=int, default=MAX_ROWS)
    parser.add_argument("--methods", nargs="*", choices=METHODS, default=list(METHODS))
    parser.add_argument(
        "--variant",
        nargs="+",
        action="append",
        default=[],
        metavar="NAME K=V",
        help="an extra VAE column vae:NAME with these VAEDetector arguments",
    )
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow threads (0: all)")
    parser.add_argument("--quick", action="store_true", help="3 data sets, seed 1, 3 epochs")
    parser.add_argument("--name", default="adbench", help="basename of the output files")
    parser.add_argument(
        "--merge",
        nargs="+",
        default=None,
        metavar="JSON",
        help="only combine the runs of these result files into --out/--name",
    )
    parser.add_argument("--render", default=None, help="only re-write the .md of this .json")
    parser.add_argument(
        "--compare",
        nargs="+",
        default=None,
        metavar=("COLUMN", "JSON"),
        help="only compare every column of these result files with COLUMN",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs = [1], args.epochs or 3
    args.variants = {v[0]: parse_vae_options(v[1:]) for v in args.variant}
    return args


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.merge:
        return merge_reports(args.merge, os.path.join(args.out, args.name))
    if args.compare:
        return compare_columns(args.compare[1:], args.compare[0], os.path.join(args.out, args.name))
    if args.render:
        report = json.loads(pathlib.Path(args.render).read_text())
        _write(report, os.path.splitext(args.render)[0])
        print(f"Wrote {os.path.splitext(args.render)[0]}.md")
        return 0
    if args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    paths = _dataset_paths(args.data, args.datasets)
    if args.quick and not args.datasets:
        paths = paths[:3]
    methods = list(args.methods) + [f"vae:{name}" for name in args.variants]
    report = {
        "command": command_line(argv),
        "machine": {**machine_info(), "load_average": [round(v, 2) for v in os.getloadavg()]},
        "config": {
            "datasets": [p.stem for p in paths],
            "seeds": args.seeds,
            "epochs": args.epochs,
            "max_rows": args.max_rows,
            "settings": args.settings,
            "methods": methods,
            "variants": args.variants,
        },
        "results": {},
    }
    base = os.path.join(args.out, args.name)
    for path in paths:
        x, y = load_dataset(path)
        for setting in args.settings:
            runs = []
            for seed in args.seeds:
                x_train, x_test, y_test = split(x, y, seed, setting, args.max_rows)
                run = {"seed": seed, "n_train": len(x_train), "n_test": len(x_test), "methods": {}}
                for method in methods:
                    options = args.variants.get(method.partition(":")[2], {})
                    try:
                        run["methods"].update(
                            run_method(method, x_train, x_test, y_test, seed, args.epochs, options)
                        )
                    except (ValueError, FloatingPointError, GANTrainingError) as error:
                        # Reported as a failure of that method on that data set, never hidden.
                        run["methods"][method] = {"auroc": None, "auprc": None, "error": str(error)}
                        print(
                            f"{path.stem} {setting} seed {seed}: {method} failed: {error}",
                            flush=True,
                        )
                runs.append(run)
                line = ", ".join(
                    f"{c} {m['auroc']:.3f}"
                    for c, m in run["methods"].items()
                    if m["auroc"] is not None
                )
                print(f"{path.stem} {setting} seed {seed}: AUROC {line}", flush=True)
            report["results"].setdefault(setting, {})[path.stem] = runs
        # Rewritten after every data set so an interrupted run keeps what it measured.
        _write(report, base)
    report["machine"]["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    _write(report, base)
    print(f"Wrote {base}.json and {base}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())

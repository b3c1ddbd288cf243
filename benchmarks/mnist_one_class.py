"""MNIST one-digit-normal benchmark: GANDetector vs the convolutional VAE and Autoencoder.

Protocol: the MNIST test-set images (the only MNIST images in ../shared/data/mnist, see
its MANIFEST.md), pixels scaled to [0, 1]. Per seed, the 10,000 rows are shuffled and
split in half: models train on the rows of ONE digit (the normal class) of the first
half and are evaluated on every row of the second half (anomaly = any other digit),
by AUROC and AUPRC of their anomaly scores. Compared, all on the same rows:

- `gan`: `GANDetector(seed=seed)` with its defaults (GANomaly, convolutional parts);
  its other scores (`gan[...]`) come from the same fitted model;
- `vae`: `tfvae.VAE(ConvEncoder, ConvDecoder)` with a Bernoulli likelihood, score
  negative ELBO, as in notebooks/02_images.py (`VAEDetector` takes tables only);
- `autoencoder`: `tfvae.Autoencoder` with the same convolutional parts, score
  reconstruction error.

Usage:
    python benchmarks/mnist_one_class.py --data ../shared/data/mnist --out benchmarks/results
    python benchmarks/mnist_one_class.py --digits 0 --seeds 1 --epochs 2   # a quick check
"""

import argparse
import gzip
import os
import sys
import time

import numpy as np
from sklearn import metrics as sk_metrics

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras  # noqa: E402
from common import command_line, machine_info  # noqa: E402

import tfvae  # noqa: E402
from tfvae.atomic import write_json, write_text  # noqa: E402
from tfvae.detectors import GANTrainingError  # noqa: E402
from tfvae.evaluation.markdown import markdown_table  # noqa: E402

METHODS = ("gan", "vae", "autoencoder")
GAN_EXTRA_SCORES = ("reconstruction_error", "feature_residual", "latent_error")
VAE_EPOCHS = 30
LATENT_DIM = 8


def load_mnist(data_dir):
    """`(images [n, 28, 28, 1] float32 in [0, 1], labels [n])` from the idx files."""
    paths = [
        os.path.join(data_dir, f"t10k-{kind}-idx{dim}-ubyte.gz")
        for kind, dim in (("images", 3), ("labels", 1))
    ]
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        raise FileNotFoundError(
            f"Missing MNIST file(s): {missing} (see ../shared/data/MANIFEST.md)."
        )
    with gzip.open(paths[0]) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(paths[1]) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels in {data_dir}.")
    return (images.astype(np.float32) / 255.0)[..., None], labels.astype(np.int64)


def split(labels, digit, seed):
    """`(train_idx, test_idx)`: the digit's rows of one half, every row of the other half."""
    order = np.random.default_rng(seed).permutation(len(labels))
    half = len(order) // 2
    train = order[:half]
    return train[labels[train] == digit], order[half:]


def _metrics(y, scores):
    return {
        "auroc": float(sk_metrics.roc_auc_score(y, scores)),
        "auprc": float(sk_metrics.average_precision_score(y, scores)),
    }


def _conv_model(kind, seed, epochs, x_train):
    keras.utils.set_random_seed(seed)
    parts = (
        tfvae.ConvEncoder(latent_dim=LATENT_DIM, filters=(32, 64)),
        tfvae.ConvDecoder(image_shape=(28, 28, 1), filters=(64, 32), output_activation="sigmoid"),
    )
    if kind == "vae":
        model = tfvae.VAE(*parts, likelihood="bernoulli", score_name="negative_elbo", seed=seed)
    else:
        model = tfvae.Autoencoder(*parts, likelihood="bernoulli")
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(x_train, epochs=epochs, batch_size=64, verbose=0)
    return model


def run_method(method, x_train, x_test, y_test, seed, epochs):
    """Fits one method; returns `{column: metrics}` (the GAN yields several columns)."""
    start = time.perf_counter()
    if method == "gan":
        detector = tfvae.GANDetector(seed=seed, **({} if epochs is None else {"epochs": epochs}))
        detector.fit(x_train)
        fit_s = time.perf_counter() - start
        details = detector.score_details(x_test)
        columns = {"gan": details["score"]}
        columns.update({f"gan[{name}]": details[name] for name in GAN_EXTRA_SCORES})
    elif method in ("vae", "autoencoder"):
        model = _conv_model(method, seed, VAE_EPOCHS if epochs is None else epochs, x_train)
        fit_s = time.perf_counter() - start
        columns = {method: tfvae.score_in_batches(model, x_test, keys=("score",))["score"]}
    else:
        raise ValueError(f"Unknown method {method!r}; expected one of {METHODS}.")
    return {
        c: {**_metrics(y_test, np.asarray(s, np.float64)), "fit_s": round(fit_s, 1)}
        for c, s in columns.items()
    }


def summarize(results):
    """Mean and standard deviation of every column's metrics over digits and seeds."""
    values = {}
    for run in results:
        for column, metrics in run["methods"].items():
            if metrics.get("error") is None:
                values.setdefault(column, []).append(metrics)
    summary = {}
    for column, runs in values.items():
        summary[column] = {"runs": len(runs)}
        for key in ("auroc", "auprc", "fit_s"):
            column_values = [r[key] for r in runs]
            summary[column][key] = round(float(np.mean(column_values)), 4)
            summary[column][f"{key}_std"] = round(float(np.std(column_values)), 4)
    return summary


def render_markdown(report):
    config, summary = report["config"], report["summary"]
    columns = list(summary)
    lines = [
        "# MNIST one-digit-normal benchmark (GAN vs VAE vs Autoencoder, same rows)",
        "",
        f"Command: `{report['command']}`  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['logical_cores']} logical cores; "
        f"TensorFlow {report['machine']['tensorflow']}, Keras {report['machine']['keras']}  ",
        f"Date: {report['machine']['date_utc']}; load average at start {report['loadavg_start']}, "
        f"at end {report['loadavg_end']} (a busy shared CPU: fit times are indicative only)  ",
        f"Protocol: MNIST test-set images; per seed, train on digit d of one half "
        f"(about 500 images), test on all 5,000 images of the other half (anomaly = any other "
        f"digit). Digits {config['digits']}, seeds {config['seeds']}. `gan` = GANDetector(seed) "
        f"defaults{'' if config['epochs'] is None else ' but epochs=' + str(config['epochs'])} "
        f"(score `combined`); `gan[...]` = its other scores; `vae`/`autoencoder` = convolutional "
        f"VAE (negative ELBO) / Autoencoder (reconstruction error), latent {LATENT_DIM}, "
        f"{config['epochs'] or VAE_EPOCHS} epochs, Adam 1e-3, batch 64.",
        "",
        "## Mean over digits and seeds",
        "",
        markdown_table(
            ["score", "AUROC", "AUROC std", "AUPRC", "AUPRC std", "fit s", "runs"],
            [
                [
                    c,
                    summary[c]["auroc"],
                    summary[c]["auroc_std"],
                    summary[c]["auprc"],
                    summary[c]["auprc_std"],
                    summary[c]["fit_s"],
                    summary[c]["runs"],
                ]
                for c in columns
            ],
        ),
        "",
        "## AUROC per digit and seed",
        "",
        markdown_table(
            ["digit", "seed", *columns],
            [
                [
                    run["digit"],
                    run["seed"],
                    *[run["methods"].get(c, {}).get("auroc") for c in columns],
                ]
                for run in report["results"]
            ],
            digits=4,
        ),
        "",
    ]
    failures = [
        f"- digit {run['digit']} seed {run['seed']}: {method}: {result['error']}"
        for run in report["results"]
        for method, result in run["methods"].items()
        if result.get("error")
    ]
    if failures:
        lines += ["## Failed runs (left out of the means above)", "", *failures, ""]
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", default="../shared/data/mnist", help="folder of the MNIST idx files"
    )
    parser.add_argument("--out", default="benchmarks/results", help="folder for the results")
    parser.add_argument("--name", default="mnist_one_class", help="basename of the output files")
    parser.add_argument("--digits", nargs="+", type=int, default=[0, 1, 7])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=f"epochs of every model (default: GANDetector's, {VAE_EPOCHS} for the VAE/AE)",
    )
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    args = parser.parse_args(argv)
    bad = [d for d in args.digits if not 0 <= d <= 9]
    if bad:
        parser.error(f"--digits must be in 0-9; received {bad}")
    return args


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    images, labels = load_mnist(args.data)
    report = {
        "command": command_line(argv),
        "machine": machine_info(),
        "loadavg_start": [round(v, 2) for v in os.getloadavg()],
        "config": {
            "digits": args.digits,
            "seeds": args.seeds,
            "epochs": args.epochs,
            "methods": args.methods,
        },
        "results": [],
    }
    base = os.path.join(args.out, args.name)
    for digit in args.digits:
        for seed in args.seeds:
            train_idx, test_idx = split(labels, digit, seed)
            x_test, y_test = images[test_idx], (labels[test_idx] != digit).astype(np.int64)
            run = {
                "digit": digit,
                "seed": seed,
                "n_train": len(train_idx),
                "n_test": len(test_idx),
                "methods": {},
            }
            for method in args.methods:
                try:
                    run["methods"].update(
                        run_method(method, images[train_idx], x_test, y_test, seed, args.epochs)
                    )
                except GANTrainingError as error:
                    # Reported as a failure of that run, never hidden.
                    run["methods"][method] = {"auroc": None, "auprc": None, "error": str(error)}
                    print(f"digit {digit} seed {seed}: {method} failed: {error}", flush=True)
            report["results"].append(run)
            print(
                f"digit {digit} seed {seed}: "
                + ", ".join(
                    f"{c} {m['auroc']:.3f}"
                    for c, m in run["methods"].items()
                    if m["auroc"] is not None
                ),
                flush=True,
            )
            # Rewritten after every run so an interrupted benchmark keeps what it measured.
            report["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
            report["summary"] = summarize(report["results"])
            write_json(base + ".json", report)
            write_text(base + ".md", render_markdown(report) + "\n")
    print(f"Wrote {base}.json and {base}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())

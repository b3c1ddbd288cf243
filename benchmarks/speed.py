"""Speed on this machine, every number measured in the same run (ratios are what travel).

Measures, for a dense VAE with the KDDCup99 layer shapes (default 121 one-hot/numeric
features, `VAEDetector` default widths 64-32, latent 8):
  - training samples/s (`model.fit`, after a warm-up epoch);
  - batch scoring rows/s through Keras (`tfvae.score_in_batches`, the one scoring path);
  - one-row latency p50/p99 (a traced `anomaly_scores` call per row);
  - the physical reference: FLOP/s of a plain matmul chain with the same layer shapes
    and batch size, and scoring throughput as a fraction of it.
SavedModel / TFLite scoring and the streaming-CSV peak memory plug in through
`BACKENDS` / `streaming_peak_memory` once `tfvae.export` and `tfvae.data` land; until
then they are reported as not measured, with the reason.

Usage:
    python benchmarks/speed.py --out benchmarks/results            # full settings
    python benchmarks/speed.py --rows 2000 --epochs 2 --repeats 50  # smoke run
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import command_line, machine_info  # noqa: E402

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfvae import VAE, DenseDecoder, DenseEncoder, anomaly_scores  # noqa: E402
from tfvae.evaluation.files import write_json, write_text  # noqa: E402
from tfvae.evaluation.markdown import markdown_table  # noqa: E402


def build_vae(n_features, hidden, latent_dim, seed=0):
    vae = VAE(DenseEncoder(latent_dim, hidden_units=hidden), DenseDecoder(n_features, hidden_units=hidden[::-1]),
              seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    return vae


def matmul_reference(n_features, hidden, latent_dim, batch, repeats):
    """FLOP/s of the bare matmul chain with the VAE's shapes (no bias, no activation)."""
    rng = np.random.default_rng(0)

    def weight(shape):
        return tf.constant(rng.normal(scale=0.1, size=shape).astype("float32"))

    widths = [n_features, *hidden]
    encoder = [weight(s) for s in zip(widths[:-1], widths[1:])]
    heads = [weight((hidden[-1], latent_dim)) for _ in range(2)]  # z_mean, z_log_var
    back = [latent_dim, *hidden[::-1], n_features]
    decoder = [weight(s) for s in zip(back[:-1], back[1:])]
    x0 = tf.constant(rng.normal(size=(batch, n_features)).astype("float32"))

    @tf.function
    def chain(x):
        for w in encoder:
            x = tf.matmul(x, w)
        z, log_var = tf.matmul(x, heads[0]), tf.matmul(x, heads[1])
        for w in decoder:
            z = tf.matmul(z, w)
        return z, log_var

    [t.numpy() for t in chain(x0)]
    start = time.perf_counter()
    for _ in range(repeats):
        [t.numpy() for t in chain(x0)]
    seconds = (time.perf_counter() - start) / repeats
    flops = 2.0 * batch * sum(int(w.shape[0]) * int(w.shape[1]) for w in encoder + heads + decoder)
    return {"batch": batch, "flop_per_row": flops / batch, "seconds_per_batch": seconds,
            "flop_per_s": flops / seconds}


def training_throughput(vae, x, epochs, batch_size):
    vae.fit(x, epochs=1, batch_size=batch_size, verbose=0)  # warm-up: tracing and build
    start = time.perf_counter()
    vae.fit(x, epochs=epochs, batch_size=batch_size, verbose=0)
    return {"samples_per_s": len(x) * epochs / (time.perf_counter() - start), "epochs": epochs,
            "batch_size": batch_size, "rows": len(x)}


def keras_batch_scorer(vae, batch):
    # One traced `anomaly_scores` reused for every batch (`score_in_batches` builds a new
    # tf.function per call, so timing it would mostly time tracing).
    score = tf.function(lambda b: anomaly_scores(vae, b)["score"], reduce_retracing=True)
    return lambda x: np.concatenate(
        [score(tf.constant(x[i: i + batch])).numpy() for i in range(0, len(x), batch)]
    )


def keras_row_scorer(vae):
    score = tf.function(lambda row: anomaly_scores(vae, row)["score"])
    return lambda row: score(tf.constant(row)).numpy()


#: backend -> (batch scorer factory, one-row scorer factory, reason if unavailable).
BACKENDS = {"keras": (keras_batch_scorer, keras_row_scorer, None)}
PENDING = {
    "savedmodel": "needs tfvae.export (SavedModel export), on another branch",
    "tflite": "needs tfvae.export (TFLite export), on another branch",
}


def batch_rows_per_s(scorer, x, repeats):
    scorer(x)  # warm-up: traces the full and the last partial batch
    start = time.perf_counter()
    for _ in range(repeats):
        scorer(x)
    return len(x) * repeats / (time.perf_counter() - start)


def row_latency_ms(scorer, x, repeats):
    scorer(x[:1])
    times = []
    for index in range(repeats):
        row = x[index % len(x): index % len(x) + 1]
        start = time.perf_counter()
        scorer(row)
        times.append((time.perf_counter() - start) * 1e3)
    return {"p50_ms": float(np.percentile(times, 50)), "p99_ms": float(np.percentile(times, 99)),
            "repeats": repeats}


def render_markdown(report):
    ref = report["matmul_reference"]
    rows = []
    for name, result in report["scoring"].items():
        if "reason" in result:
            rows.append([name, None, None, None, None, f"not measured: {result['reason']}"])
        else:
            rows.append([name, result["rows_per_s"], result["fraction_of_reference"],
                         result["latency"]["p50_ms"], result["latency"]["p99_ms"], ""])
    return "\n".join([
        "# Speed (same run, this machine)", "",
        f"Command: `{report['command']}`  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['logical_cores']} logical cores; "
        f"date {report['machine']['date_utc']}  ",
        f"Model: {report['config']['features']} features, hidden {report['config']['hidden']}, "
        f"latent {report['config']['latent_dim']}; scoring batch {ref['batch']}.", "",
        f"- Training: {report['training']['samples_per_s']:.0f} samples/s "
        f"(batch {report['training']['batch_size']}).",
        f"- Matmul-chain reference: {ref['flop_per_s'] / 1e9:.2f} GFLOP/s "
        f"({ref['flop_per_row']:.0f} FLOP per row).", "",
        markdown_table(["backend", "batch rows/s", "fraction of matmul reference", "p50 ms (1 row)",
                        "p99 ms (1 row)", "note"], rows, digits=3),
        "", f"Streaming-CSV peak memory: {report['streaming']['reason']}", "",
    ])


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--name", default="speed")
    parser.add_argument("--features", type=int, default=121, help="input width (KDD one-hot: 121)")
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 32])
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--rows", type=int, default=100_000, help="rows for training and batch scoring")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128, help="training batch")
    parser.add_argument("--score-batch", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=500, help="one-row latency calls")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.rows, args.features)).astype("float32")
    hidden = tuple(args.hidden)
    vae = build_vae(args.features, hidden, args.latent_dim)
    training = training_throughput(vae, x, args.epochs, args.batch_size)
    reference = matmul_reference(args.features, hidden, args.latent_dim, args.score_batch,
                                 repeats=max(5, args.rows // args.score_batch))
    scoring = {}
    for name, (batch_factory, row_factory, _) in BACKENDS.items():
        rows_per_s = batch_rows_per_s(batch_factory(vae, args.score_batch), x, repeats=3)
        scoring[name] = {
            "rows_per_s": rows_per_s,
            "fraction_of_reference": rows_per_s * reference["flop_per_row"] / reference["flop_per_s"],
            "latency": row_latency_ms(row_factory(vae), x, args.repeats),
        }
    scoring.update({name: {"reason": reason} for name, reason in PENDING.items()})
    report = {
        "command": command_line(argv), "machine": machine_info(),
        "config": {**vars(args), "hidden": list(hidden)}, "training": training,
        "matmul_reference": reference, "scoring": scoring,
        "streaming": {"reason": "not measured: needs tfvae.data streaming CSV scoring (another branch)"},
    }
    write_json(os.path.join(args.out, f"{args.name}.json"), report)
    write_text(os.path.join(args.out, f"{args.name}.md"), render_markdown(report))
    print(render_markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

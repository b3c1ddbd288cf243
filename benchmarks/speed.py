"""Speed on this machine, every number measured in the same run (ratios are what travel).

Model: the KDDCup99 network of `TabularVAEDetector` defaults on its encoded features
(default 121 inputs, hidden 64-32, latent 8, i.e. 121-64-32-8 / 8-32-64-121), on
synthetic standard-normal rows of that width (speed does not depend on the values).
Measures:
  - training samples/s (`model.fit`, batch 256, after a warm-up epoch) at
    `steps_per_execution` 1 and at `--steps-per-execution` (default 32);
  - batch scoring rows/s at `--score-batch` (default 8192) through Keras (the cached
    traced `anomaly_scores`, `tfvae.scores.batch_scorer`), the exported SavedModel
    (`tf.saved_model.load(...).signatures["score"]`) and the float32 TFLite file
    (LiteRT `score` signature runner);
  - one-row latency p50/p99 for each (TFLite also through the raw set/invoke/get path,
    `benchmarks/tflite_latency.measure`);
  - the physical reference: the bare matmul chain with the same layer shapes (FLOP/s
    and rows/s at the scoring batch); scoring is reported as a fraction of it;
  - peak RSS while `score_table` (`tfvae score`) streams a generated CSV of `--stream-rows` rows
    (`benchmarks/stream_score_memory.py`, run in a child process so its RSS is its own).
Targets (issue #7) are checked in the table, pass or FAIL.

Usage:
    python benchmarks/speed.py --out benchmarks/results          # full settings
    python benchmarks/speed.py --quick --out /tmp/speed          # smoke run (seconds)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import command_line, machine_info  # noqa: E402
from tflite_latency import measure as tflite_row_latency  # noqa: E402

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfvae import VAE, DenseDecoder, DenseEncoder  # noqa: E402
from tfvae.evaluation.files import write_json, write_text  # noqa: E402
from tfvae.evaluation.markdown import markdown_table  # noqa: E402
from tfvae.scores import batch_scorer  # noqa: E402

#: Project targets (issue #7).
TARGETS = {
    "training_rows_per_s": 170_000,
    "savedmodel_rows_per_s": 1_300_000,
    "tflite_raw_p50_us": 20.0,
    "stream_peak_rss_mb": 1536,
}


def build_vae(n_features, hidden, latent_dim, steps_per_execution=1, seed=0):
    vae = VAE(DenseEncoder(latent_dim, hidden_units=hidden), DenseDecoder(n_features, hidden_units=hidden[::-1]),
              seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=steps_per_execution)
    return vae


def matmul_reference(n_features, hidden, latent_dim, batch, repeats):
    """FLOP/s and rows/s of the bare matmul chain with the VAE's shapes (no bias, no activation)."""
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
            "flop_per_s": flops / seconds, "rows_per_s": batch / seconds}


def training_throughput(vae, x, epochs, batch_size):
    vae.fit(x, epochs=1, batch_size=batch_size, verbose=0)  # warm-up: tracing and build
    start = time.perf_counter()
    vae.fit(x, epochs=epochs, batch_size=batch_size, verbose=0)
    return {"samples_per_s": len(x) * epochs / (time.perf_counter() - start), "epochs": epochs,
            "batch_size": batch_size, "rows": len(x),
            "steps_per_execution": int(vae.steps_per_execution)}


def keras_scorer(vae):
    score = batch_scorer(vae, ("score",))  # the library's cached traced `anomaly_scores`
    return lambda batch: score(tf.constant(batch))["score"].numpy()


def savedmodel_scorer(path):
    signature = tf.saved_model.load(path).signatures["score"]
    return lambda batch: signature(features=tf.constant(batch))["score"].numpy()


def tflite_scorer(path):
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=path).get_signature_runner("score")
    return lambda batch: runner(features=batch)["score"]


def batch_rows_per_s(scorer, x, batch, seconds):
    """Rows/s of `scorer` over full batches of `x`, repeated for at least `seconds`."""
    batches = [x[i: i + batch] for i in range(0, len(x) - batch + 1, batch)]
    scorer(batches[0])  # warm-up: tracing, allocation
    rows, start = 0, time.perf_counter()
    while rows == 0 or time.perf_counter() - start < seconds:
        for b in batches:
            scorer(b)
            rows += len(b)
    return rows / (time.perf_counter() - start)


def row_latency_us(scorer, x, repeats):
    for index in range(20):
        scorer(x[index: index + 1])
    times = []
    for index in range(repeats):
        row = x[index % len(x): index % len(x) + 1]
        start = time.perf_counter_ns()
        scorer(row)
        times.append((time.perf_counter_ns() - start) / 1e3)
    return {"p50_us": float(np.percentile(times, 50)), "p99_us": float(np.percentile(times, 99)),
            "repeats": repeats}


def streaming_memory(rows, workdir):
    """Runs `stream_score_memory.py` in a child process; returns its JSON report."""
    result = subprocess.run(
        [sys.executable, os.path.join(HERE, "stream_score_memory.py"), "--rows", str(rows), "--workdir", workdir],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"stream_score_memory.py failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return json.loads(result.stdout[result.stdout.index("{"):])


def _check(measured, target, lower_is_better=False):
    ok = measured <= target if lower_is_better else measured >= target
    return "pass" if ok else "FAIL"


def render_markdown(report):
    ref, scoring, t = report["matmul_reference"], report["scoring"], report["training"]
    rows = [["matmul chain (reference)", ref["rows_per_s"], 1.0, None, None]]
    for name, result in scoring.items():
        rows.append([name, result["rows_per_s"], result["fraction_of_reference"],
                     result["latency"]["p50_us"], result["latency"]["p99_us"]])
    raw = report["tflite_raw"]
    rows.append(["tflite, raw set_tensor/invoke/get_tensor", None, None, raw["p50_us"], raw["p99_us"]])
    stream = report["streaming"]
    best = max(t, key=lambda k: t[k]["samples_per_s"])
    targets = [
        [f"training >= {TARGETS['training_rows_per_s']:,} rows/s", t[best]["samples_per_s"],
         _check(t[best]["samples_per_s"], TARGETS["training_rows_per_s"])],
        [f"SavedModel batch scoring >= {TARGETS['savedmodel_rows_per_s']:,} rows/s",
         scoring["savedmodel"]["rows_per_s"], _check(scoring["savedmodel"]["rows_per_s"], TARGETS["savedmodel_rows_per_s"])],
        [f"TFLite one-row invoke p50 <= {TARGETS['tflite_raw_p50_us']:g} us (raw path)", raw["p50_us"],
         _check(raw["p50_us"], TARGETS["tflite_raw_p50_us"], lower_is_better=True)],
        [f"{stream['rows']:,}-row CSV scored in < {TARGETS['stream_peak_rss_mb']} MB peak RSS",
         stream["peak_rss_mb_after_scoring"],
         _check(stream["peak_rss_mb_after_scoring"], TARGETS["stream_peak_rss_mb"], lower_is_better=True)
         + ("" if stream["rows"] >= 10_000_000 else " (fewer rows than the 10M target)")],
    ]
    training_rows = [[f"steps_per_execution={k}", v["samples_per_s"], v["samples_per_s"] / t["1"]["samples_per_s"]]
                     for k, v in t.items()]
    cfg = report["config"]
    return "\n".join([
        "# Speed (same run, this machine)", "",
        f"Command: `{report['command']}`  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['logical_cores']} logical cores; "
        f"TF {report['machine']['tensorflow']}, Keras {report['machine']['keras']}; "
        f"date {report['machine']['date_utc']}; load average at start {report['loadavg_start']}, "
        f"at end {report['loadavg_end']}  ",
        f"Model: {cfg['features']} features, hidden {cfg['hidden']}, latent {cfg['latent_dim']} "
        f"({ref['flop_per_row']:.0f} FLOP per row forward); training batch {cfg['batch_size']}, "
        f"{cfg['rows']} rows x {cfg['epochs']} epochs; scoring batch {ref['batch']}.", "",
        "Training (samples/s, ratio to steps_per_execution=1):", "",
        markdown_table(["setting", "samples/s", "ratio"], training_rows, digits=3), "",
        f"Scoring (batch rows/s; fraction of the matmul-chain reference at "
        f"{ref['flop_per_s'] / 1e9:.2f} GFLOP/s, the faster of its runs before and after the backends "
        f"({', '.join(f'{r:,.0f}' for r in ref['rows_per_s_before_and_after'])} rows/s); "
        "one-row latency in microseconds):", "",
        markdown_table(["backend", "batch rows/s", "fraction of reference", "p50 us (1 row)", "p99 us (1 row)"],
                       rows, digits=3), "",
        f"Streaming: {stream['rows']:,} rows ({stream['csv_mb']} MB CSV) in {stream['seconds']} s "
        f"({stream['rows_per_second']:,} rows/s); peak RSS {stream['peak_rss_mb_before_scoring']} MB "
        f"before scoring, {stream['peak_rss_mb_after_scoring']} MB after.", "",
        markdown_table(["target", "measured", "result"], targets, digits=3), "",
    ])


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--name", default="speed")
    parser.add_argument("--features", type=int, default=121, help="input width (KDD encoded: 121)")
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 32])
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--rows", type=int, default=200_000, help="rows for training and batch scoring")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256, help="training batch")
    parser.add_argument("--steps-per-execution", type=int, default=32)
    parser.add_argument("--score-batch", type=int, default=8192)
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum time per batch-scoring measurement")
    parser.add_argument("--repeats", type=int, default=2000, help="one-row latency calls")
    parser.add_argument("--stream-rows", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="tiny settings for a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.epochs, args.score_batch, args.seconds, args.repeats, args.stream_rows = (
            4096, 1, 1024, 0.2, 50, 3000)
    loadavg_start = [round(v, 2) for v in os.getloadavg()]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(max(args.rows, args.score_batch), args.features)).astype("float32")
    hidden = tuple(args.hidden)
    training = {}
    for spe in sorted({1, args.steps_per_execution}):
        vae = build_vae(args.features, hidden, args.latent_dim, steps_per_execution=spe)
        training[str(spe)] = training_throughput(vae, x[: args.rows], args.epochs, args.batch_size)
    vae.threshold.assign(1e9)  # any finite threshold: exporting needs one; speed does not depend on it
    # The reference is measured before and after the backends; the faster of the two is
    # used (on a shared CPU a single measurement can land in a busy moment).
    reference_runs = [matmul_reference(args.features, hidden, args.latent_dim, args.score_batch,
                                       repeats=max(5, int(args.seconds * 60)))]
    with tempfile.TemporaryDirectory() as workdir:
        from tfvae.export import export_model

        export = export_model(vae, workdir, name="speed", formats=("savedmodel", "tflite"), quantize=("none",))
        tflite_path = export.tflite_files["none"]
        factories = {"keras": lambda: keras_scorer(vae), "savedmodel": lambda: savedmodel_scorer(export.saved_model_dir),
                     "tflite": lambda: tflite_scorer(tflite_path)}
        scoring = {}
        for name, factory in factories.items():
            rows_per_s = batch_rows_per_s(factory(), x, args.score_batch, args.seconds)
            scoring[name] = {
                "rows_per_s": rows_per_s,
                # a fresh scorer: the TFLite runner re-allocates when the batch shape changes
                "latency": row_latency_us(factory(), x, args.repeats),
            }
        reference_runs.append(matmul_reference(args.features, hidden, args.latent_dim, args.score_batch,
                                               repeats=max(5, int(args.seconds * 60))))
        reference = max(reference_runs, key=lambda r: r["rows_per_s"])
        reference["rows_per_s_before_and_after"] = [r["rows_per_s"] for r in reference_runs]
        for result in scoring.values():
            result["fraction_of_reference"] = result["rows_per_s"] / reference["rows_per_s"]
        p50, _, p99 = tflite_row_latency(tflite_path, repeats=args.repeats, warmup=min(200, args.repeats))["raw_interpreter"]
        tflite_raw = {"p50_us": p50, "p99_us": p99}
        streaming = streaming_memory(args.stream_rows, os.path.join(workdir, "stream"))
    report = {
        "command": command_line(argv), "machine": machine_info(), "loadavg_start": loadavg_start,
        "loadavg_end": [round(v, 2) for v in os.getloadavg()],
        "config": {**vars(args), "hidden": list(hidden)}, "training": training,
        "matmul_reference": reference, "scoring": scoring, "tflite_raw": tflite_raw,
        "streaming": streaming, "targets": TARGETS,
    }
    write_json(os.path.join(args.out, f"{args.name}.json"), report)
    write_text(os.path.join(args.out, f"{args.name}.md"), render_markdown(report))
    print(render_markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

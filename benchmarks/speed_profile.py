"""Where the time of scoring and training goes (issue #15), in one run.

Network: `--members` copies of PyOD VAE's KDD network 121-60-(40,40) | 40-60-121, sigmoid
output (`speed.py`'s `pyod`), on uniform [0, 1] rows.
  - TensorFlow profiler (`tf.profiler.experimental`, the TensorBoard `framework_op_stats`
    tool): self time per op type, grouped as matmuls, XLA clusters, other kernels
    (elementwise, reductions) and the input pipeline, for `score_in_batches` without and
    with the fused score terms (`tfvae.scoring.error_terms.FUSE`) and for `fit` without and with
    `jit_compile`;
  - ablations in rows/s (alternating, best of `--rounds`): scoring = bare forward matmul
    chain; the traced scorer on ready tensors (kernels only); `score_in_batches` (plus
    numpy slices in, results out); `decision_function` (plus input validation), at
    several batch sizes. Training = bare TF train step; the input pipeline
    (`row_batches`) alone; `fit` at steps_per_execution 1 and 32, without and with XLA.
Writes `<out>/<name>.json` and `.md`.

Usage:
    python benchmarks/speed_profile.py --out benchmarks/results
"""

import argparse
import glob
import json
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import command_line, machine_info  # noqa: E402
from speed import best_rates  # noqa: E402
from speed_reference import BareTrainer, Network, forward_chain  # noqa: E402

from tfvae.atomic import write_json, write_text  # noqa: E402
from tfvae.detectors import VAEDetector  # noqa: E402
from tfvae.evaluation.markdown import markdown_table  # noqa: E402
from tfvae.fitting.schedule import row_batches, training_schedule  # noqa: E402
from tfvae.scoring import error_terms, scores  # noqa: E402

FEATURES, HIDDEN, LATENT, BATCH = 121, (60,), 40, 256


def op_profile(run, top=8):
    """Self time (ms) per op group and the top op types while `run()` executes."""
    from tensorflow.python.profiler.internal import _pywrap_profiler_plugin

    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        start = time.perf_counter()
        run()
        wall = time.perf_counter() - start
        tf.profiler.experimental.stop()
        paths = glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)
        data, _ = _pywrap_profiler_plugin.xspace_to_tools_data(paths, "framework_op_stats", {})
    table = json.loads(data)[0]
    columns = [c["id"] for c in table["cols"]]
    groups, types = {}, {}
    for row in table["rows"]:
        cell = {c: (v or {}).get("v") for c, v in zip(columns, row["c"])}
        kind, ms = cell["type"], cell["total_self_time"] / 1e3
        if kind == "IDLE":
            continue
        group = (
            "matmul"
            if "MatMul" in kind
            else "XLA cluster"
            if "Xla" in kind or "xla" in kind
            else "input pipeline"
            if "Iterator" in kind or "Dataset" in kind
            else "other kernels (elementwise, reductions, ...)"
        )
        groups[group] = groups.get(group, 0.0) + ms
        types[kind] = types.get(kind, 0.0) + ms
    ranked = sorted(types.items(), key=lambda kv: -kv[1])[:top]
    return {"wall_ms": wall * 1e3, "groups_ms": groups, "top_types_ms": dict(ranked)}


def make_detector(members, x):
    detector = VAEDetector(
        latent_dim=LATENT,
        hidden_units=HIDDEN,
        likelihood="bernoulli",
        standardize=False,
        members=members,
        batch_size=BATCH,
        epochs=1,
        validation_fraction=0.0,
        early_stopping_patience=0,
    )
    return detector.fit(x)


def scoring(detector, network, x, args):
    model = detector.model_
    result = {"profile": {}, "rates": {}}
    for fuse in (False, True):
        error_terms.FUSE = fuse
        scores.score_in_batches(model, x, keys=("score",))  # trace outside the profile
        result["profile"][f"fused terms {fuse}"] = op_profile(
            lambda: [scores.score_in_batches(model, x, keys=("score",)) for _ in range(3)]
        )
    for batch in args.batches:
        ready = [tf.constant(x[i : i + batch]) for i in range(0, len(x) - batch + 1, batch)]
        runs = {"matmul chain (reference)": forward_chain(network, batch)}
        for fuse in (False, True):
            error_terms.FUSE = fuse
            scorer = scores.batch_scorer(model, ("score",))
            scorer(ready[0])  # traces with this setting
            runs[f"traced scorer on ready tensors, fused {fuse}"] = (
                lambda s=scorer: [s(b)["score"].numpy() for b in ready],
                batch * len(ready),
            )
            runs[f"score_in_batches, fused {fuse}"] = (
                lambda f=fuse: _with_fuse(
                    f, lambda: scores.score_in_batches(model, x, batch_size=batch, keys=("score",))
                ),
                len(x),
            )
        error_terms.FUSE = True
        if batch == scores.SCORE_BATCH:
            runs["decision_function (fused)"] = (lambda: detector.decision_function(x), len(x))
        best = best_rates(runs, args.rounds, args.seconds)
        reference = best["matmul chain (reference)"]
        result["rates"][str(batch)] = {
            k: {"rows_per_s": v, "fraction": v / reference} for k, v in best.items()
        }
    return result


def _with_fuse(fuse, run):
    error_terms.FUSE = fuse
    try:
        return run()
    finally:
        error_terms.FUSE = True


def training(network, x, args):
    steps_per_epoch = training_schedule(len(x), BATCH, 1)[0]
    data = row_batches(x, BATCH, seed=0, repeat=True)
    iterator = iter(data)
    runs = {
        "bare TF train step (reference)": BareTrainer(network, x, BATCH).callable(),
        "input pipeline alone (row_batches)": (
            (lambda: [next(iterator) for _ in range(32)]),
            32 * BATCH,
        ),
    }
    result = {"profile": {}}
    for spe, jit in ((1, False), (32, False), (32, True)):
        model = make_detector(args.members, x[: BATCH * 4]).model_
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=spe, jit_compile=jit
        )
        model.fit(data, epochs=1, steps_per_epoch=steps_per_epoch, verbose=0)  # traces

        def fit(m=model):
            m.fit(data, epochs=1, steps_per_epoch=steps_per_epoch, verbose=0)

        runs[f"fit, steps_per_execution={spe}, jit_compile={jit}"] = (fit, steps_per_epoch * BATCH)
        if spe == 32:
            result["profile"][f"fit jit_compile={jit}"] = op_profile(fit)
    best = best_rates(runs, args.rounds, args.seconds)
    reference = best["bare TF train step (reference)"]
    result["rates"] = {k: {"rows_per_s": v, "fraction": v / reference} for k, v in best.items()}
    return result


def render(report):
    lines = [
        "# Speed profile (same run)",
        "",
        f"Command: `{report['command']}`  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['logical_cores']} logical cores; "
        f"TF {report['machine']['tensorflow']}; date {report['machine']['date_utc']}; load average "
        f"at start {report['loadavg_start']}, at end {report['loadavg_end']}",
        "",
        f"Network: {report['network']}",
        "",
    ]
    for part in ("scoring", "training"):
        lines += [f"## {part}: op self time (TensorFlow profiler), ms", ""]
        rows = []
        for name, prof in report[part]["profile"].items():
            for group, ms in sorted(prof["groups_ms"].items()):
                rows.append([name, f"{prof['wall_ms']:.0f}", group, ms])
        lines += [markdown_table(["run", "wall ms", "group", "self ms"], rows, digits=1), ""]
        for name, prof in report[part]["profile"].items():
            top = ", ".join(f"{k} {v:.1f}" for k, v in prof["top_types_ms"].items())
            lines += [f"Top op types, {name} (ms): {top}", ""]
        lines += [f"## {part}: rows/s (best of the rounds) and ratio to the reference", ""]
        rates = report[part]["rates"]
        if part == "scoring":
            rows = [
                [f"{batch}: {k}", v["rows_per_s"], v["fraction"]]
                for batch, by_path in rates.items()
                for k, v in by_path.items()
            ]
        else:
            rows = [[k, v["rows_per_s"], v["fraction"]] for k, v in rates.items()]
        lines += [markdown_table(["path", "rows/s", "ratio"], rows, digits=3), ""]
    return "\n".join(lines)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--name", default="speed_profile")
    parser.add_argument("--members", type=int, default=1)
    parser.add_argument("--rows", type=int, default=65_536)
    parser.add_argument("--batches", type=int, nargs="+", default=[2048, 4096, 8192, 16384])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args(argv)
    loadavg_start = [round(v, 2) for v in os.getloadavg()]
    network = Network(FEATURES, HIDDEN, LATENT, args.members, "bernoulli")
    x = np.random.default_rng(0).random((args.rows, FEATURES), dtype=np.float32)
    detector = make_detector(args.members, x)
    report = {
        "command": command_line(argv),
        "machine": machine_info(),
        "loadavg_start": loadavg_start,
        "network": f"{FEATURES}-60-40 x {args.members}, bernoulli; training batch {BATCH}",
        "scoring": scoring(detector, network, x, args),
        "training": training(network, x, args),
    }
    report["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    write_json(os.path.join(args.out, f"{args.name}.json"), report)
    write_text(os.path.join(args.out, f"{args.name}.md"), render(report))
    print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

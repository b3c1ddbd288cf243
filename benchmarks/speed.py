"""Speed of every path as a ratio to bare TensorFlow with the same shapes, in one run.

Two detectors on synthetic uniform [0, 1] rows of 121 columns (the width of the KDDCup99
arrays; speed does not depend on the values):
  - `pyod` (the headline, issue #15): PyOD VAE's KDD network 121-60-(40,40) | 40-60-121,
    sigmoid output: `VAEDetector(latent_dim=40, hidden_units=(60,), likelihood="bernoulli",
    standardize=False, members=1, batch_size=256)`;
  - `default`: `VAEDetector()` (an ensemble of 5 networks of the auto sizes in one model;
    robust scaling, learned Gaussian noise, batch 128).
Both train with `validation_fraction=0.0` and `early_stopping_patience=0` (pure training).
Each path is measured against its reference of the same shapes (`speed_reference.py`),
alternating path and reference over `--rounds` rounds and keeping the best rate of each,
so a busy moment of a shared machine lowers neither alone:
  - training: rows/s of the detector's own training loop (its compiled train function and
    input stream, `--epochs` epochs per `fit` call after a first `VAEDetector.fit`) over
    the bare TensorFlow train step (forward + backward + Adam, same network and batch);
  - scoring: rows/s of `decision_function` on an in-memory array and of the SavedModel
    `score` signature, at the batch `score_in_batches` uses, over the bare forward
    matmul chain at that batch;
  - TFLite (float32 export): one-row p50 through the raw set/invoke/get calls and
    through the signature runner, with and without the default (XNNPack) delegate, and
    the operators per signature;
  - memory (`pyod` only): peak RSS of `decision_function` on a `--memory-rows` array in a
    child process (`speed_memory.py`), over its RSS right after `import tfvae`.
Writes `<out>/<name>.json` and `.md` (command, date and load averages inside).

Usage:
    python benchmarks/speed.py --out benchmarks/results          # full settings
    python benchmarks/speed.py --quick --out /tmp/speed          # smoke run (seconds)
"""

import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tensorflow as tf  # noqa: E402
from common import checkout_commit, command_line, machine_info  # noqa: E402
from speed_reference import BareTrainer, Network, forward_chain  # noqa: E402
from tflite_latency import measure as tflite_row_latency  # noqa: E402
from tflite_latency import op_counts  # noqa: E402

import tfvae  # noqa: E402
from tfvae.atomic import write_json, write_text  # noqa: E402
from tfvae.detectors import VAEDetector  # noqa: E402
from tfvae.evaluation.markdown import markdown_table  # noqa: E402
from tfvae.fitting.schedule import row_batches, training_schedule  # noqa: E402
from tfvae.scoring.scores import score_in_batches  # noqa: E402

#: Targets of issue #15 (ratios within one run; latencies in microseconds).
TARGETS = {
    "training_fraction": 0.5,
    "scoring_fraction": 0.6,
    "tflite_raw_p50_us": 5.0,
    "tflite_runner_p50_us": 15.0,
    "peak_rss_over_import": 1.2,
}
FEATURES = 121
CONFIGS = {
    "pyod": dict(
        latent_dim=40,
        hidden_units=(60,),
        likelihood="bernoulli",
        standardize=False,
        members=1,
        batch_size=256,
    ),
    "default": {},
}
PURE_TRAINING = dict(validation_fraction=0.0, early_stopping_patience=0, seed=0)


def rate(run, rows, seconds):
    """Rows/s of calling `run()` (which handles `rows` rows) for at least `seconds`."""
    calls, start = 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - start < seconds:
        run()
        calls += 1
    return rows * calls / (time.perf_counter() - start)


def best_rates(runs, rounds, seconds):
    """`{name: best rows/s}` over `rounds` rounds, each running every `(run, rows)` in turn."""
    best = {name: 0.0 for name in runs}
    for _ in range(rounds):
        for name, (run, rows) in runs.items():
            best[name] = max(best[name], rate(run, rows, seconds))
    return best


def network_of(detector):
    encoder = detector.model_.encoder
    return Network(
        FEATURES,
        tuple(encoder.hidden_units),
        encoder.latent_dim,
        encoder.members,
        detector.model_.likelihood,
    )


def training(params, x, args):
    """Rows/s of the detector's training loop and of the bare train step, alternating.

    The detector is fitted once (build, compile, tracing); its own compiled train function
    then runs `--epochs` more epochs per measured call on its own input stream
    (`row_batches`, as `VAEDetector._train` feeds it), each call a `model.fit`.
    """
    detector = VAEDetector(**params, **PURE_TRAINING, epochs=1).fit(x)
    model, batch = detector.model_, detector.batch_size
    steps_per_epoch = training_schedule(len(x), batch, 1)[0]
    stream = row_batches(x, batch, seed=0, repeat=True)

    def epochs():
        model.fit(
            stream, epochs=args.epochs, steps_per_epoch=steps_per_epoch, shuffle=False, verbose=0
        )

    runs = {
        "detector": (epochs, steps_per_epoch * batch * args.epochs),
        "reference": BareTrainer(network_of(detector), x, batch).callable(),
    }
    best = best_rates(runs, args.rounds, args.seconds)
    result = {
        "detector_rows_per_s": best["detector"],
        "reference_rows_per_s": best["reference"],
        "fraction": best["detector"] / best["reference"],
        "batch_size": batch,
        "steps_per_epoch": steps_per_epoch,
        "steps_per_execution": int(model.steps_per_execution),
        "jit_compile": bool(model.jit_compile),
    }
    return detector, result


def scoring(detector, saved_model_dir, x, args):
    """decision_function and SavedModel rows/s over the forward chain at the scoring batch."""
    batch = inspect.signature(score_in_batches).parameters["batch_size"].default
    signature = tf.saved_model.load(saved_model_dir).signatures["score"]
    batches = [x[i : i + batch] for i in range(0, len(x) - batch + 1, batch)]

    def savedmodel():
        for b in batches:
            signature(features=tf.constant(b))["score"].numpy()

    runs = {
        "reference": forward_chain(network_of(detector), batch),
        "decision_function": ((lambda: detector.decision_function(x)), len(x)),
        "savedmodel": (savedmodel, batch * len(batches)),
    }
    runs["decision_function"][0]()
    savedmodel()  # warm-up
    best = best_rates(runs, args.rounds, args.seconds)
    return {
        "batch": batch,
        "reference_rows_per_s": best["reference"],
        **{
            name: {"rows_per_s": best[name], "fraction": best[name] / best["reference"]}
            for name in ("decision_function", "savedmodel")
        },
    }


def tflite(path, repeats):
    result = {"ops_per_signature": op_counts(path)}
    for delegates in (True, False):
        latency = tflite_row_latency(
            path, repeats=repeats, warmup=min(200, repeats), delegates=delegates
        )
        result["default_delegates" if delegates else "builtin_only"] = {
            name: {"p50_us": p50, "p90_us": p90, "p99_us": p99}
            for name, (p50, p90, p99) in latency.items()
        }
    return result


def memory(model_path, rows):
    """Runs `speed_memory.py` in a child process; returns its JSON report."""
    result = subprocess.run(
        [
            sys.executable,
            os.path.join(HERE, "speed_memory.py"),
            "--model",
            model_path,
            "--rows",
            str(rows),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"speed_memory.py failed ({result.returncode}):\n{result.stderr[-2000:]}"
        )
    report = json.loads(result.stdout[result.stdout.index("{") :])
    report["peak_over_import"] = report["peak_rss_mb"] / report["rss_after_import_mb"]
    report["peak_without_array_over_import"] = (
        report["peak_rss_mb"] - report["array_mb"]
    ) / report["rss_after_import_mb"]
    return report


def measure_config(name, params, args, workdir):
    rng = np.random.default_rng(0)
    share = (
        1 if name == "pyod" else 4
    )  # the ensemble costs ~30x more per row: a quarter of the rows
    x_train = rng.uniform(size=(args.train_rows // share, FEATURES)).astype("float32")
    x_score = rng.uniform(size=(args.score_rows // share, FEATURES))
    detector, train = training(params, x_train, args)
    from tfvae.export import export_model

    export = export_model(
        detector,
        os.path.join(workdir, name),
        name=name,
        formats=("savedmodel", "tflite"),
        quantize=("none",),
    )
    report = {
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
        "network": {
            **vars(network_of(detector)),
            "flop_per_row": network_of(detector).flop_per_row(),
        },
        "training": train,
        "scoring": scoring(detector, export.saved_model_dir, x_score.astype("float32"), args),
        "tflite": tflite(export.tflite_files["none"], args.repeats),
    }
    if name == "pyod":
        path = os.path.join(workdir, f"{name}.keras")
        detector.save(path)
        report["memory"] = memory(path, args.memory_rows)
    return report


def _verdict(value, target, lower_is_better=False):
    ok = value <= target if lower_is_better else value >= target
    return "pass" if ok else "FAIL"


def config_rows(report):
    t, s, lite = report["training"], report["scoring"], report["tflite"]
    rows = [
        [
            "training (`fit`)",
            t["detector_rows_per_s"],
            t["reference_rows_per_s"],
            t["fraction"],
            f">= {TARGETS['training_fraction']}",
            _verdict(t["fraction"], TARGETS["training_fraction"]),
        ]
    ]
    for path in ("decision_function", "savedmodel"):
        rows.append(
            [
                f"scoring: {path}",
                s[path]["rows_per_s"],
                s["reference_rows_per_s"],
                s[path]["fraction"],
                f">= {TARGETS['scoring_fraction']}",
                _verdict(s[path]["fraction"], TARGETS["scoring_fraction"]),
            ]
        )
    for key, label in (
        ("default_delegates", "default delegates"),
        ("builtin_only", "builtin kernels only"),
    ):
        for runner, target in (
            ("raw_interpreter", "tflite_raw_p50_us"),
            ("signature_runner", "tflite_runner_p50_us"),
        ):
            p50 = lite[key][runner]["p50_us"]
            rows.append(
                [
                    f"TFLite one-row p50 us, {runner} ({label})",
                    p50,
                    None,
                    None,
                    f"<= {TARGETS[target]:g}",
                    _verdict(p50, TARGETS[target], lower_is_better=True),
                ]
            )
    if "memory" in report:
        m = report["memory"]
        rows.append(
            [
                f"peak RSS MB, decision_function on {m['rows']:,} rows",
                m["peak_rss_mb"],
                m["rss_after_import_mb"],
                m["peak_over_import"],
                f"<= {TARGETS['peak_rss_over_import']}",
                _verdict(
                    m["peak_over_import"], TARGETS["peak_rss_over_import"], lower_is_better=True
                ),
            ]
        )
        rows.append(
            [
                f"  the same without the {m['array_mb']:.0f} MB input array",
                m["peak_rss_mb"] - m["array_mb"],
                m["rss_after_import_mb"],
                m["peak_without_array_over_import"],
                None,
                None,
            ]
        )
    return rows


def render_markdown(report):
    lines = [
        "# Speed: every path over bare TensorFlow of the same shapes (same run)",
        "",
        f"Command: `{report['command']}`  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['logical_cores']} logical cores; "
        f"TF {report['machine']['tensorflow']}, Keras {report['machine']['keras']}; "
        f"date {report['machine']['date_utc']}; load average at start {report['loadavg_start']}, "
        f"at end {report['loadavg_end']}; library at commit `{report['tfvae_source']}`",
        "",
        "Reference: training = bare TF train step (forward + backward + fused Adam, same "
        "network and batch); scoring = bare forward matmul chain at the scoring batch; memory "
        "= RSS right after `import tfvae` (child process). Each rate is the best of the rounds.",
        "",
    ]
    for name, config in report["configs"].items():
        n = config["network"]
        widths = "-".join(map(str, [n["features"], *n["hidden"], n["latent_dim"]]))
        lines += [
            f"## `{name}`: {widths} x {n['members']} member(s), {n['likelihood']}; training "
            f"batch {config['training']['batch_size']}, scoring batch {config['scoring']['batch']} "
            f"({n['flop_per_row']:.0f} FLOP per row forward)",
            "",
            markdown_table(
                ["path", "measured", "reference", "ratio", "target", "result"],
                config_rows(config),
                digits=3,
            ),
            "",
            f"TFLite operators per signature: {config['tflite']['ops_per_signature']}",
            "",
        ]
    return "\n".join(lines)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--name", default="speed")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument(
        "--train-rows", type=int, default=65_536, help="pyod; the ensemble trains on a quarter"
    )
    parser.add_argument("--epochs", type=int, default=2, help="epochs per timed `fit` call")
    parser.add_argument(
        "--score-rows", type=int, default=262_144, help="pyod; the ensemble scores a quarter"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="minimum time per measurement")
    parser.add_argument("--repeats", type=int, default=3000, help="one-row TFLite calls")
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="tiny settings for a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.train_rows, args.epochs, args.score_rows, args.rounds = 2048, 1, 16_384, 1
        args.seconds, args.repeats, args.memory_rows = 0.1, 50, 5000
    loadavg_start = [round(v, 2) for v in os.getloadavg()]
    with tempfile.TemporaryDirectory() as workdir:
        configs = {
            name: measure_config(name, CONFIGS[name], args, workdir) for name in args.configs
        }
    report = {
        "command": command_line(argv),
        "machine": machine_info(),
        "loadavg_start": loadavg_start,
        "loadavg_end": [round(v, 2) for v in os.getloadavg()],
        "config": vars(args),
        "targets": TARGETS,
        "tfvae_source": checkout_commit(os.path.dirname(os.path.abspath(tfvae.__file__))),
        "configs": configs,
    }
    write_json(os.path.join(args.out, f"{args.name}.json"), report)
    write_text(os.path.join(args.out, f"{args.name}.md"), render_markdown(report))
    print(render_markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One-row TFLite invoke latency of an exported model (p50/p90/p99, microseconds).

Usage:
    python benchmarks/tflite_latency.py runs/demo/export/breast_cancer/1/tflite/breast_cancer.float32.tflite

Measures the `score` signature two ways: the LiteRT signature runner (convenient,
checks shapes and allocates per call) and raw set-tensor/invoke/get-tensor calls on
the already allocated one-row subgraph, which is what a latency-sensitive client
does. Targets (issue #15): raw p50 <= 5 us, signature runner p50 <= 15 us. `speed.py` calls `measure`.
"""

import argparse
import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType


def _percentiles(samples_ns):
    us = np.asarray(samples_ns) / 1e3
    return float(np.percentile(us, 50)), float(np.percentile(us, 90)), float(np.percentile(us, 99))


def op_counts(path):
    """Operators per signature of a `.tflite` file: `{signature: n_ops}` (the graph size of a call)."""
    from tensorflow.lite.tools import flatbuffer_utils

    with open(path, "rb") as f:
        model = flatbuffer_utils.read_model_from_bytearray(bytearray(f.read()))
    return {
        d.signatureKey.decode(): len(model.subgraphs[d.subgraphIndex].operators)
        for d in model.signatureDefs
    }


def measure(path, repeats=2000, warmup=200, delegates=True):
    """Returns `{"signature_runner": (p50, p90, p99), "raw_interpreter": (p50, p90, p99)}` in microseconds.

    `delegates=False` runs the builtin kernels only (no default XNNPack delegate).
    """
    resolver = (
        OpResolverType.AUTO if delegates else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    interpreter = Interpreter(model_path=path, experimental_op_resolver_type=resolver)
    runner = interpreter.get_signature_runner("score")
    width = int(runner.get_input_details()["features"]["shape_signature"][1])
    row = np.random.default_rng(0).normal(size=(1, width)).astype(np.float32)
    results = {}
    samples = []
    for i in range(warmup + repeats):
        start = time.perf_counter_ns()
        runner(features=row)
        if i >= warmup:
            samples.append(time.perf_counter_ns() - start)
    results["signature_runner"] = _percentiles(samples)

    # The public set_tensor/invoke/get_tensor only address the first subgraph (`encode`,
    # signatures are stored in name order), so this loop makes the same three calls on
    # the `score` subgraph that the runner makes, without its per-call resize and
    # allocation checks.
    wrapper, subgraph = runner._interpreter_wrapper, runner._subgraph_index
    input_index = runner.get_input_details()["features"]["index"]
    score_index = runner.get_output_details()["score"]["index"]
    samples = []
    for i in range(warmup + repeats):
        start = time.perf_counter_ns()
        wrapper.SetTensor(input_index, row, subgraph)
        wrapper.Invoke(subgraph)
        wrapper.GetTensor(score_index, subgraph)
        if i >= warmup:
            samples.append(time.perf_counter_ns() - start)
    results["raw_interpreter"] = _percentiles(samples)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tflite")
    parser.add_argument("--repeats", type=int, default=2000)
    args = parser.parse_args()
    print("ops per signature:", op_counts(args.tflite))
    for delegates in (True, False):
        for name, (p50, p90, p99) in measure(
            args.tflite, args.repeats, delegates=delegates
        ).items():
            label = f"{name} ({'default delegates' if delegates else 'builtin kernels only'})"
            print(f"{label:<42} p50 {p50:7.1f} us   p90 {p90:7.1f} us   p99 {p99:7.1f} us")


if __name__ == "__main__":
    main()

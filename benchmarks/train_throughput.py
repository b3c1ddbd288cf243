"""Training samples/second of a config under the default and mirrored strategies.

Splits the CPU into `--logical-cpus` devices first (as the tests do), so that
`mirrored` has several replicas on a machine without GPUs. Numbers on a shared
CPU are indicative only.

    python benchmarks/train_throughput.py --config training/configs/kddcup99.yaml \
        --data ../shared/data/kddcup99 --epochs 3
"""

import argparse
import json
import os
import tempfile


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--data")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--logical-cpus", type=int, default=2)
    parser.add_argument("--strategies", default="default,mirrored")
    args = parser.parse_args()

    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(args.logical_cpus)]
    )
    from tfvae.training.config import load_config, with_overrides
    from tfvae.training.run import train

    results = {}
    for name in args.strategies.split(","):
        overrides = {
            "training.epochs": args.epochs,
            "training.early_stopping_patience": 0,
            "training.verbose": 0,
            "strategy.name": name,
        }
        if args.data:
            overrides["data.path"] = args.data
        config = with_overrides(load_config(args.config), overrides)
        with tempfile.TemporaryDirectory() as out:
            run = train(config, os.path.join(out, "run"))
        training = run.metrics["training"]
        results[name] = {
            "samples_per_second": round(training["samples_per_second"]),
            "replicas": training["replicas"],
            "global_batch_size": training["global_batch_size"],
            "steps_per_epoch": training["steps_per_epoch"],
            "epochs": training["epochs"],
            "test_auroc": run.metrics["test"] and run.metrics["test"]["auroc"],
        }
        print(name, json.dumps(results[name]), flush=True)
    print(
        json.dumps(
            {"cpu_count": os.cpu_count(), "logical_cpus": args.logical_cpus, **results}, indent=2
        )
    )


if __name__ == "__main__":
    main()

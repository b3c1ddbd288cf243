"""`tfvae train --config CONFIG [--data PATH] [--out RUN_DIR] [overrides]`."""

import os

from tfvae.commands.arguments import INT64_MAX, number, output_path

# Shortcut flags -> dotted config keys; `--set section.key=value` reaches the rest. Numbers
# are checked as the command line is parsed (finite, at least 0 or 1); the
# config validates the rest.
SHORTCUTS = {
    "epochs": ("training.epochs", number(int, 1)),
    "batch_size": ("training.batch_size", number(int, 1)),
    "per_replica_batch_size": ("training.per_replica_batch_size", number(int, 1)),
    "seed": ("training.seed", number(int, 0)),
    "precision": ("training.precision", str),
    "steps_per_execution": ("training.steps_per_execution", number(int, 1)),
    "strategy": ("strategy.name", str),
    "learning_rate": ("optimizer.learning_rate", number(float)),
    "beta": ("loss.beta", number(float)),
    "max_rows": ("data.max_rows", number(int, 0, INT64_MAX)),
}


def add_arguments(parser):
    from tfvae.training.config_files import packaged_configs

    parser.add_argument(
        "--config",
        required=True,
        help="a YAML/JSON config file, or the name of a config shipped with tfvae: "
        + ", ".join(packaged_configs()),
    )
    parser.add_argument("--data", help="data path (overrides data.path)")
    parser.add_argument(
        "--out",
        default=None,
        type=output_path,
        help="run directory, created by the run (default: runs/<config name>)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a previous run in --out (built beside it, swapped in when finished)",
    )
    for name, (key, kind) in SHORTCUTS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, help=f"sets {key}")
    parser.add_argument(
        "--jit-compile", action="store_true", default=None, help="sets training.jit_compile"
    )
    parser.add_argument("--deterministic", action="store_true", default=None, help="op determinism")
    parser.add_argument(
        "--quiet", action="store_true", help="no per-epoch progress (sets training.verbose=0)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="any other override, value parsed as YAML (repeatable), e.g. --set model.latent_dim=4",
    )


def overrides_from(args):
    """The dotted-key overrides given on the command line."""
    from tfvae.training.config import ConfigError, parse_value

    overrides = {}
    if args.data is not None:
        overrides["data.path"] = args.data
    for name, (key, _) in SHORTCUTS.items():
        if getattr(args, name) is not None:
            overrides[key] = getattr(args, name)
    if args.per_replica_batch_size is not None:
        overrides.setdefault("training.batch_size", None)
    if args.batch_size is not None:
        overrides.setdefault("training.per_replica_batch_size", None)
    for flag in ("jit_compile", "deterministic"):
        if getattr(args, flag):
            overrides[f"training.{flag}"] = True
    if args.quiet:
        overrides["training.verbose"] = 0
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"Expected --set SECTION.KEY=VALUE. Received: --set {item}")
        overrides[key.strip()] = parse_value(value)
    return overrides


def run(args):
    from tfvae.quoting import clean
    from tfvae.training.config import load_config
    from tfvae.training.run import train

    config = load_config(args.config, overrides_from(args))
    out = args.out or os.path.join("runs", os.path.splitext(os.path.basename(args.config))[0])
    result = train(config, out, overwrite=args.overwrite)
    training, test = result.metrics["training"], result.metrics["test"]
    print(
        f"Trained {result.epochs} epochs with {training['strategy']} strategy "
        f"({training['replicas']} replicas, global batch {training['global_batch_size']}, "
        f"{training['samples_per_second']:.0f} samples/s)."
    )
    print(f"Threshold {result.threshold:.5g} ({result.metrics['threshold']['method']}).")
    if test is not None and test["auroc"] is not None:
        print(f"Test AUROC {test['auroc']:.4f}, AUPRC {test['auprc']:.4f}, F1 {test['f1']:.4f}.")
    print(f"Run directory: {clean(result.out_dir)}")
    return 0

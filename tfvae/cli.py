"""The `tfvae` command. Each subcommand module is imported only when it runs.

A subcommand module defines `add_arguments(parser)` and `run(args) -> int`.
"""

import argparse
import importlib
import sys

# name -> (module, one-line help). tfvae.training / tfvae.export are imported lazily,
# so the core package never depends on them.
COMMANDS = {
    "demo": ("tfvae.demo", "train, calibrate and evaluate a VAE on bundled data (offline)"),
    "export": ("tfvae.export.cli", "export a trained model for TF Serving (SavedModel) and TFLite"),
    "train": ("tfvae.training.cli", "train a model from a config on one or many devices/machines"),
    "score": ("tfvae.data.score_cli", "score a CSV with a raw-column model, chunk by chunk"),
    "evaluate": ("tfvae.evaluation.cli", "metrics, report and plots of a saved model on labelled data"),
    "beam-score": ("tfvae.beam.cli", "score CSV/Parquet shards with an export on Apache Beam (extra: beam)"),
}


def _parser(command=None):
    parser = argparse.ArgumentParser(
        prog="tfvae", description="Anomaly detection with variational autoencoders."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == command:
            importlib.import_module(module_name).add_arguments(sub)
    return parser


def main(argv=None):
    """Runs the CLI and returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = _parser(command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args) or 0)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"tfvae {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""The `tfvae` command. Each subcommand module is imported only when it runs.

A subcommand module defines `add_arguments(parser)` and `run(args) -> int`; neither
`tfvae --help` nor `tfvae COMMAND --help` imports TensorFlow.

Exit status: 0 success; 1 some rows could not be scored (each reported with its
line); 2 bad usage or bad input (one line naming the problem); 3 an unexpected
error (a bug: `--debug` shows the traceback); 130 interrupted (Ctrl-C). `--debug` adds
the traceback and changes nothing else.
"""

import argparse
import importlib
import os
import sys
import traceback
import zipfile

from tfvae.extras import MissingExtraError
from tfvae.quoting import clean

# name -> (module, one-line help). tfvae.training / tfvae.export are imported lazily,
# so the core package never depends on them.
COMMANDS = {
    "demo": (
        "tfvae.commands.demo",
        "train, calibrate and evaluate a VAE on bundled data (offline)",
    ),
    "export": (
        "tfvae.commands.export",
        "export a trained model for TF Serving (SavedModel) and TFLite",
    ),
    "train": (
        "tfvae.commands.train",
        "train a model from a config on one or many devices/machines",
    ),
    "score": ("tfvae.commands.score", "score a CSV with a raw-column model, chunk by chunk"),
    "evaluate": (
        "tfvae.commands.evaluate",
        "metrics, report and plots of a saved model on labelled data",
    ),
    "beam-score": (
        "tfvae.commands.beam_score",
        "score CSV/Parquet shards with an export on Apache Beam (extra: beam)",
    ),
}

#: Errors that mean bad input or usage (exit status 2), not a bug; a missing optional
#: extra is one (its message names the `pip install` to run).
INPUT_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, MissingExtraError)
EXIT_OK, EXIT_SOME_ROWS, EXIT_BAD_INPUT, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _parser(command=None):
    parser = argparse.ArgumentParser(
        prog="tfvae",
        description="Anomaly detection with variational autoencoders.",
        epilog="Exit status: 0 success, 1 some rows could not be scored, 2 bad usage or input, "
        "3 unexpected error (rerun with --debug), 130 interrupted.",
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="show the traceback of an error",
        )
        if name == command:
            importlib.import_module(module_name).add_arguments(sub)
    return parser


def _quiet_tensorflow():
    """Imports TensorFlow without its C++ start-up lines, unless the user set TF_CPP_MIN_LOG_LEVEL.

    TF 2.21 writes absl INFO lines (oneDNN, CUDA drivers) to stderr while it loads,
    before any log level applies, and an ERROR line when it looks for GPUs on a machine
    without CUDA; stderr is silenced for the import and the device listing only (an
    import error is still raised and reported). Listing physical devices does not start
    the runtime, so a multi-worker strategy can still be created afterwards.
    """
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ or "tensorflow" in sys.modules:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    try:
        saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        sys.stderr.flush()
        os.dup2(null, 2)
        import keras  # noqa: F401
        import tensorflow

        tensorflow.config.list_physical_devices("GPU")
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _one_line(error):
    """The error as one line, its control characters escaped (it may quote input)."""
    return clean(" ".join(str(error).split()) or type(error).__name__, limit=2000)


def _report(args, error, message):
    """Prints the traceback if `--debug`, then `message`: what is printed, never the status."""
    if args.debug:
        traceback.print_exception(error)
    print(clean(message, limit=None), file=sys.stderr)


def main(argv=None):
    """Runs the CLI and returns the exit status (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = _parser(command if command in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or bad usage (2): a status, as for every error
        return exit_.code if isinstance(exit_.code, int) else EXIT_BAD_INPUT
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        _quiet_tensorflow()
        module = importlib.import_module(COMMANDS[args.command][0])
        return int(module.run(args) or 0)
    except KeyboardInterrupt as error:
        _report(args, error, f"tfvae {args.command}: interrupted.")
        return EXIT_INTERRUPTED
    except INPUT_ERRORS as error:
        _report(args, error, f"tfvae {args.command}: error: {_one_line(error)}")
        return EXIT_BAD_INPUT
    except Exception as error:
        _report(
            args,
            error,
            f"tfvae {args.command}: unexpected error ({type(error).__name__}: {_one_line(error)}); "
            "rerun with --debug for the traceback and report it.",
        )
        return EXIT_BUG

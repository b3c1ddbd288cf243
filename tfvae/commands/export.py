"""`tfvae export`: a trained `.keras` model to a TF Serving version directory and `.tflite` files."""

import contextlib
import os
import signal
import sys

from tfvae.commands.arguments import number, output_path
from tfvae.serving import FORMATS, QUANTIZATIONS


def add_arguments(parser):
    parser.add_argument("--model", required=True, help="trained model (.keras, with its threshold)")
    parser.add_argument(
        "--out", required=True, type=output_path, help="export base: writes OUT/NAME/VERSION/"
    )
    parser.add_argument(
        "--name", default="model", help="model name as TF Serving serves it (default: model)"
    )
    parser.add_argument(
        "--version",
        type=number(int, 1, 2**63 - 1),
        default=None,
        help="version number, 1 to 2^63-1 (TF Serving's int64; default: next free)",
    )
    parser.add_argument(
        "--threshold",
        type=number(float),
        default=None,
        help="decision threshold to store (default: the model's)",
    )
    parser.add_argument(
        "--formats",
        default=",".join(FORMATS),
        help=f"comma-separated subset of {','.join(FORMATS)}",
    )
    parser.add_argument(
        "--quantize",
        default="none",
        help=f"TFLite variants, comma-separated subset of {','.join(QUANTIZATIONS)}",
    )


def print_result(result):
    """Prints the version directory, signatures and file sizes of an `ExportResult`."""
    print(f"Exported version {result.version}: {result.version_dir}")
    print(f"  threshold {result.metadata['threshold']:.6g} ({result.metadata['score_name']})")
    print(f"  SavedModel signatures: {', '.join(result.signatures)}")
    for path, size in result.sizes.items():
        label = "SavedModel" if path == result.saved_model_dir else "TFLite"
        print(f"  {label:<10} {size / 1024:8.1f} KiB  {os.path.relpath(path)}")


@contextlib.contextmanager
def _interrupts_deferred():
    """Ignores Ctrl-C while reporting an export that is already published."""
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: None)
    except ValueError:  # not the main thread: nothing to defer
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run(args):
    from tfvae.export import layout
    from tfvae.export.api import export_model

    # The version is fixed first: after a Ctrl-C, whether it exists tells the outcome.
    version, version_dir = layout.resolve_version(args.out, args.name, args.version)
    try:
        result = export_model(
            args.model,
            args.out,
            name=args.name,
            version=version,
            threshold=args.threshold,
            formats=args.formats,
            quantize=args.quantize,
        )
    except KeyboardInterrupt:
        if os.path.isdir(version_dir):
            print(f"Exported version {version}: {version_dir}")
            print(
                f"tfvae export: interrupted after version {version} was published; it is complete.",
                file=sys.stderr,
            )
            return 0
        print("tfvae export: interrupted; nothing was published.", file=sys.stderr)
        return 130
    with _interrupts_deferred():
        print_result(result)
    return 0

"""`tfvae score MODEL TABLE --output OUT`: fast streaming scoring of a CSV or Parquet table."""

import json
import os
import sys


def add_arguments(parser):
    parser.add_argument("model", help="a .keras file holding a tfvae VAE (numeric or raw-column)")
    parser.add_argument(
        "table", help="input .csv, .csv.gz or .parquet with a header naming the model's columns"
    )
    parser.add_argument(
        "--output",
        required=True,
        help="output .csv or .parquet: line, score, kl, reconstruction_error, is_anomaly, valid, error",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    parser.add_argument("--batch-size", type=int, default=65536, help="rows per model call")
    parser.add_argument(
        "--block-mb", type=float, default=16, help="MB of CSV parsed per block (the memory bound)"
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress on stderr (a bar on a terminal, else a line every 10 s)",
    )


def check_output(output, inputs, overwrite):
    """Refuses, before scoring, an output that is a folder, an input, or exists (no --overwrite)."""
    if os.path.isdir(output):
        raise ValueError(f"--output {output} is a folder; name the output file.")
    for path in inputs:
        if os.path.exists(path) and os.path.exists(output) and os.path.samefile(path, output):
            raise ValueError(f"--output {output} is the input {path}; refusing to replace it.")
    if os.path.exists(output) and not overwrite:
        raise FileExistsError(f"--output {output} exists; pass --overwrite to replace it.")


def run(args):
    from tfvae.data.table_scoring import score_table
    from tfvae.progress import Progress

    check_output(args.output, (args.table, args.model), args.overwrite)
    report = score_table(
        args.model,
        args.table,
        args.output,
        batch_size=args.batch_size,
        block_bytes=max(1, int(args.block_mb * 2**20)),
        overwrite=args.overwrite,
        progress=Progress("tfvae score", quiet=args.quiet),
    )
    keys = (
        "rows",
        "scored",
        "n_errors",
        "ignored_columns",
        "unknown_categories",
        "seconds",
        "rows_per_s",
        "output",
    )
    print(json.dumps({k: report[k] for k in keys}, indent=2))
    for line, message in report["errors"][:20]:
        print(f"line {line}: {message}", file=sys.stderr)
    if report["n_errors"]:
        print(
            f"tfvae score: {report['n_errors']} row(s) could not be scored; "
            f"they are in {args.output} with an `error` and no score.",
            file=sys.stderr,
        )
        return 1
    return 0

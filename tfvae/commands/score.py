"""`tfvae score MODEL TABLE --output OUT`: fast streaming scoring of a CSV or Parquet table."""

import json
import sys

from tfvae.commands.arguments import number, output_path
from tfvae.quoting import clean


def add_arguments(parser):
    parser.add_argument("model", help="a .keras file holding a tfvae VAE (numeric or raw-column)")
    parser.add_argument(
        "table", help="input .csv, .csv.gz or .parquet with a header naming the model's columns"
    )
    parser.add_argument(
        "--output",
        required=True,
        type=output_path,
        help="output .csv or .parquet: line, score, kl, reconstruction_error, is_anomaly, valid, error",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    parser.add_argument(
        "--batch-size", type=number(int, 1, 2**31 - 1), default=65536, help="rows per model call"
    )
    parser.add_argument(
        "--block-mb",
        type=number(float, 0.01, 4096),
        default=16,
        help="MB of CSV parsed per block, 0.01 to 4096 (the memory bound)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress on stderr (a bar on a terminal, else a line every 10 s)",
    )


def run(args):
    from tfvae.progress import Progress
    from tfvae.scoring.tables import score_table

    report = score_table(
        args.model,
        args.table,
        args.output,
        batch_size=args.batch_size,
        block_bytes=int(args.block_mb * 2**20),
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
        print(f"line {line}: {clean(message, limit=300)}", file=sys.stderr)
    if report["n_errors"]:
        print(
            f"tfvae score: {report['n_errors']} row(s) could not be scored; "
            f"they are in {clean(args.output)} with an `error` and no score.",
            file=sys.stderr,
        )
        return 1
    return 0

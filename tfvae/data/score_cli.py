"""`tfvae score MODEL CSV --output OUT`: streaming CSV scoring with a raw-column model."""

import json
import os
import sys


def add_arguments(parser):
    parser.add_argument("model", help="a .keras file holding a tfvae VAE with a TabularPreprocessor")
    parser.add_argument("csv", help="input CSV (or .csv.gz) with a header naming the model's columns")
    parser.add_argument("--output", required=True, help="output CSV: line, score, is_anomaly, valid, error")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing --output file"
    )
    parser.add_argument("--batch-size", type=int, default=4096, help="rows per model call")
    parser.add_argument("--chunk-rows", type=int, default=65536, help="rows read per chunk (memory bound)")


def check_output(output, inputs, overwrite):
    """Refuses, before scoring, an output that is a folder, an input, or exists (no --overwrite)."""
    if os.path.isdir(output):
        raise ValueError(f"--output {output} is a folder; name the output CSV file.")
    for path in inputs:
        if os.path.exists(path) and os.path.exists(output) and os.path.samefile(path, output):
            raise ValueError(f"--output {output} is the input {path}; refusing to replace it.")
    if os.path.exists(output) and not overwrite:
        raise FileExistsError(f"--output {output} exists; pass --overwrite to replace it.")


def run(args):
    from tfvae.data.streaming import score_csv

    check_output(args.output, (args.csv, args.model), args.overwrite)

    report = score_csv(args.model, args.csv, args.output, batch_size=args.batch_size,
                       chunk_rows=args.chunk_rows)
    summary = {k: report[k] for k in ("rows", "scored", "n_errors", "unknown_categories", "output")}
    print(json.dumps(summary, indent=2))
    for line, message in report["errors"][:20]:
        print(f"line {line}: {message}", file=sys.stderr)
    if report["n_errors"]:
        print(f"tfvae score: {report['n_errors']} row(s) could not be parsed; "
              f"they are in {args.output} with an `error` and no score.", file=sys.stderr)
        return 1
    return 0

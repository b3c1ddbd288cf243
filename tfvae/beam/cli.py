"""`tfvae beam-score`: score CSV/Parquet shards with an export on Apache Beam.

Arguments this command does not define are Beam pipeline options (`--runner`,
`--project`, `--direct_num_workers`...); without `--runner` it runs on the
DirectRunner with one worker process per core.
"""

import json
import sys


def add_arguments(parser):
    parser.add_argument(
        "--model", required=True, help="export version folder (tfvae export), e.g. exports/model/1"
    )
    parser.add_argument(
        "--input", required=True, help="glob of .csv, .csv.gz or .parquet files (quote it)"
    )
    parser.add_argument(
        "--output",
        required=True,
        help="output prefix: PREFIX-scores-*-of-*.FORMAT and PREFIX-dead_letter-*",
    )
    parser.add_argument(
        "--format", choices=("parquet", "csv"), default="parquet", help="output format"
    )
    parser.add_argument(
        "--key-column", default=None, help="key rows by this id column (default: file and line)"
    )
    parser.add_argument(
        "--feature-errors", action="store_true", help="add per-feature squared errors"
    )
    parser.add_argument("--batch-size", type=int, default=4096, help="largest batch per model call")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace existing outputs at the prefix"
    )
    # Everything else is a Beam pipeline option; Beam itself rejects the unknown ones.
    parse_known = parser.parse_known_args

    def parse_known_args(args=None, namespace=None):
        namespace, extra = parse_known(args, namespace)
        namespace.pipeline_args = list(extra)
        return namespace, []

    parser.parse_known_args = parse_known_args


def run(args):
    try:
        from tfvae.beam import score_files
    except ImportError as error:  # the `beam` extra is not installed
        print(f"tfvae beam-score: error: {error}", file=sys.stderr)
        return 2
    summary = score_files(
        args.model,
        args.input,
        args.output,
        output_format=args.format,
        key_column=args.key_column,
        feature_errors=args.feature_errors,
        overwrite=args.overwrite,
        max_batch_size=args.batch_size,
        pipeline_args=getattr(args, "pipeline_args", []),
    )
    print(json.dumps(summary, indent=2))
    if summary["dead_letter"]:
        print(
            f"tfvae beam-score: {summary['dead_letter']} row(s) could not be scored; "
            "they are in the dead_letter output with file, line and reason.",
            file=sys.stderr,
        )
        return 1
    return 0

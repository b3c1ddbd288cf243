"""`tfvae beam-score`: score CSV/Parquet shards with an export on Apache Beam.

Arguments this command does not define are Beam pipeline options (`--runner`,
`--project`, `--direct_num_workers`...); without `--runner` it runs on the
DirectRunner with one worker thread per core. Quiet by default: the summary on stdout,
the dead-letter count on stderr, and whatever Beam, TensorFlow and the workers write
to stderr in a log file the summary names (`--verbose` shows it instead).
"""

import contextlib
import json
import os
import sys
import tempfile

from tfvae.commands.arguments import number, output_path


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
        type=output_path,
        help="output prefix, taken literally: PREFIX-scores-*-of-*.FORMAT and PREFIX-dead_letter-*",
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
    parser.add_argument(
        "--block-mb",
        type=number(float, 0.01, 4096),
        default=1.0,
        help="MB of CSV per block (one model call each), 0.01 to 4096",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the outputs of this prefix"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="show Beam's and TensorFlow's logs on stderr"
    )
    # Everything else is a Beam pipeline option; Beam itself rejects the unknown ones.
    parse_known = parser.parse_known_args

    def parse_known_args(args=None, namespace=None):
        namespace, extra = parse_known(args, namespace)
        namespace.pipeline_args = list(extra)
        return namespace, []

    parser.parse_known_args = parse_known_args


@contextlib.contextmanager
def stderr_to(path):
    """Sends file descriptor 2 to `path` (None: leave it), for this process and the worker
    processes it starts, whose C++ and Python logs would otherwise fill the terminal."""
    if path is None:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _score(args):
    # Without the `beam` extra this raises MissingExtraError (exit status 2, names the install).
    from tfvae.beam import score_files

    return score_files(
        args.model,
        args.input,
        args.output,
        output_format=args.format,
        key_column=args.key_column,
        feature_errors=args.feature_errors,
        overwrite=args.overwrite,
        block_bytes=max(1, int(args.block_mb * 2**20)),
        pipeline_args=getattr(args, "pipeline_args", []),
    )


def run(args):
    log = None
    if not args.verbose:
        handle, log = tempfile.mkstemp(prefix="tfvae-beam-score-", suffix=".log")
        os.close(handle)
    try:
        with stderr_to(log):
            summary = _score(args)
    except BaseException:
        if _kept(log):
            print(f"tfvae beam-score: Beam and TensorFlow logs: {log}", file=sys.stderr)
        raise
    print(json.dumps({**summary, "log": _kept(log)}, indent=2))
    if summary["dead_letter"]:
        print(
            f"tfvae beam-score: {summary['bad_rows']} bad row(s) and "
            f"{summary['unreadable_files']} unreadable file(s) were not scored; "
            "they are in the dead_letter output with file, line and reason.",
            file=sys.stderr,
        )
        return 1
    return 0


def _kept(log):
    """`log` if anything was written to it; an empty log is removed."""
    if log is None or not os.path.exists(log):
        return None
    if os.path.getsize(log) == 0:
        os.remove(log)
        return None
    return log

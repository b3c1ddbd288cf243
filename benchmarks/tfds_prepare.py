"""How long the README's TFDS block takes: preparing `tfvae_kddcup99` once, then loading it.

Usage:
    python benchmarks/tfds_prepare.py --manual-dir ../shared/data/kddcup99 --workdir /tmp/tfds_prepare --out benchmarks/results

Runs the README's `tfds.load("tfvae_kddcup99", split="test", ...)` with a fresh TFDS
`data_dir` in `--workdir` (never in the project), so the first call prepares every
split from the manual directory; then the same call again, which reads the prepared
files. Writes `tfds_prepare.json` and `tfds_prepare.md` in `--out` with the command,
date and load average.
"""

import argparse
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import command_line, machine_info  # noqa: E402


def timed_load(manual_dir, data_dir):
    """Seconds of the README's `tfds.load` call and the number of `test` rows it yields."""
    import tensorflow_datasets as tfds

    import tfvae.data.tfds_builders  # noqa: F401  (registers tfvae_kddcup99)

    config = tfds.download.DownloadConfig(manual_dir=manual_dir)
    start = time.perf_counter()
    ds = tfds.load(
        "tfvae_kddcup99",
        split="test",
        data_dir=data_dir,
        download_and_prepare_kwargs={"download_config": config},
    )
    seconds = time.perf_counter() - start
    return seconds, int(ds.cardinality().numpy())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manual-dir", required=True, help="folder of kddcup.data_10_percent.gz")
    parser.add_argument("--workdir", required=True, help="scratch folder for the TFDS data_dir")
    parser.add_argument("--out", required=True, help="folder of tfds_prepare.json/.md")
    args = parser.parse_args(argv)
    load_start = [round(v, 2) for v in os.getloadavg()]
    data_dir = os.path.join(args.workdir, "tensorflow_datasets")
    shutil.rmtree(data_dir, ignore_errors=True)  # our own scratch folder: start unprepared
    prepare_seconds, rows = timed_load(args.manual_dir, data_dir)
    again_seconds, _ = timed_load(args.manual_dir, data_dir)
    report = {
        "command": command_line(sys.argv[1:] if argv is None else argv),
        "machine": machine_info(),
        "load_average_start": load_start,
        "load_average_end": [round(v, 2) for v in os.getloadavg()],
        "test_rows": rows,
        "first_call_seconds": round(prepare_seconds, 1),
        "prepared_call_seconds": round(again_seconds, 2),
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "tfds_prepare.json"), "w") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(args.out, "tfds_prepare.md"), "w") as f:
        f.write(
            "# The README's TFDS block (`tfvae_kddcup99`)\n\n"
            f"`{report['command']}`  \n{report['machine']['date_utc']}, "
            f"{report['machine']['cpu']}, {report['machine']['logical_cores']} logical cores, "
            f"load average {load_start} at start, {report['load_average_end']} at end.\n\n"
            "| call | seconds |\n| --- | --- |\n"
            f"| first (prepares every split) | {report['first_call_seconds']} |\n"
            f"| again (reads the prepared files) | {report['prepared_call_seconds']} |\n\n"
            f"`test` split: {rows} rows.\n"
        )
    print(json.dumps({k: v for k, v in report.items() if k != "machine"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

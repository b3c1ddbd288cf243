"""Helpers shared by the benchmark scripts: machine description and file loading."""

import datetime
import os
import platform
import subprocess
import sys


def machine_info():
    """What the numbers were measured on: CPU, cores, Python/TF/Keras versions, date."""
    import keras
    import numpy as np
    import sklearn
    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "scikit_learn": sklearn.__version__,
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def checkout_commit(folder):
    """The git commit of the checkout holding `folder` (`+` when it has uncommitted
    changes), or "not a git checkout": results name code by commit, never by a path
    of the machine that ran them."""

    def git(*args):
        return subprocess.run(
            ["git", "-C", folder, *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        return git("rev-parse", "--short", "HEAD") + ("+" if git("status", "--porcelain") else "")
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"


def command_line(argv):
    """The command that produced a result, as a copy-pasteable string."""
    script = os.path.relpath(sys.argv[0]) if sys.argv and sys.argv[0] else "benchmarks/<script>.py"
    return " ".join(["python", script, *argv])


def measured_run(argv, prefix, tmpdir, measure):
    """Runs `measure(workdir)` in a fresh scratch folder (removed afterwards: generated data
    never lands in the repository) and adds what a results file states: the command, the
    machine, the load average before and after.

    Args:
        argv: list of str or None. The script's arguments (None: `sys.argv[1:]`).
        prefix: str. Name prefix of the scratch folder.
        tmpdir: str or None. Where the scratch folder goes (None: the system's).
        measure: callable taking the scratch folder, returning the report dict.
    """
    import shutil
    import tempfile

    workdir = tempfile.mkdtemp(prefix=prefix, dir=tmpdir)
    before = [round(v, 2) for v in os.getloadavg()]
    try:
        report = measure(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.update(
        command=command_line(sys.argv[1:] if argv is None else argv),
        machine=machine_info(),
        load_average_before=before,
        load_average_after=[round(v, 2) for v in os.getloadavg()],
    )
    return report


def target_rows(checks):
    """Markdown rows of `(name, measured, target, ok)` checks."""
    return [
        f"| {name} | {value} | {target} | {'pass' if ok else 'FAIL'} |"
        for name, value, target, ok in checks
    ]


def write_results(out, name, report, text):
    """Writes `<out>/<name>.json` (the report) and `<out>/<name>.md` (`text`), and prints it."""
    from tfvae.atomic import write_json, write_text

    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, f"{name}.json"), report)
    write_text(os.path.join(out, f"{name}.md"), text)
    print(text)

"""Helpers shared by the benchmark scripts: machine description and file loading."""

import datetime
import os
import platform
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


def command_line(argv):
    """The command that produced a result, as a copy-pasteable string."""
    script = os.path.relpath(sys.argv[0]) if sys.argv and sys.argv[0] else "benchmarks/<script>.py"
    return " ".join(["python", script, *argv])

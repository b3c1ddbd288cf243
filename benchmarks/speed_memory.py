"""RSS of scoring an in-memory array with a saved `VAEDetector`, in a fresh process.

Usage: python benchmarks/speed_memory.py --model detector.keras --rows 1000000
Prints JSON: RSS right after `import tfvae`, after loading the detector, after making the
`[rows, features]` float32 array, and the peak RSS (VmHWM) after `decision_function`, in MB.
`speed.py` runs it in a child process so the RSS is the scoring's own.
"""

import argparse
import json
import os
import sys


def _status_mb(field):
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"/proc/self/status has no {field}")


def measure(model_path, rows):
    """Returns the RSS milestones (MB) of scoring `rows` uniform rows with the detector."""
    import tfvae  # noqa: F401  (the baseline is the RSS right after this import)

    after_import = _status_mb("VmRSS")
    import numpy as np

    from tfvae.detectors import VAEDetector

    detector = VAEDetector.load(model_path)
    after_load = _status_mb("VmRSS")
    # float32 from the start: a float64 temporary would set the peak itself
    x = np.random.default_rng(0).random((rows, detector.n_features_in_), dtype=np.float32)
    after_array = _status_mb("VmRSS")
    scores = detector.decision_function(x)
    return {
        "rows": rows,
        "array_mb": x.nbytes / 2**20,
        "rss_after_import_mb": after_import,
        "rss_after_load_mb": after_load,
        "rss_after_array_mb": after_array,
        "peak_rss_mb": _status_mb("VmHWM"),
        "n_scores": len(scores),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(json.dumps(measure(os.path.abspath(args.model), args.rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

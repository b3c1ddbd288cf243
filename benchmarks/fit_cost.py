"""Cost of a default `VAEDetector().fit` on a 10,000 x 100 table: time, and memory over many fits.

Two measurements, each written with the command, date and load average:

- `--old DIR`: the fit time of this checkout's default against another checkout's
  (e.g. the library before issue 20: `git worktree add /tmp/tfvae-old 94a603a`), in
  the same run. Each fit runs in a fresh Python process (what a user pays, tracing
  included: `import tfvae`, then one `fit`), old and new alternating, `--rounds` times;
  the ratio is taken pair by pair, so a machine that speeds up or slows down between
  pairs moves both sides.
- `--fits N`: N default fits, one after the other, in one process (as a benchmark or
  a grid search runs them), with the resident memory after each; the growth after the
  first fit is what a long loop pays per fit.

The table is synthetic (rows on a 10-dimensional linear manifold plus noise, seeded).

Usage:
    python benchmarks/fit_cost.py --old /tmp/tfvae-old --out benchmarks/results
    python benchmarks/fit_cost.py --fits 50 --out benchmarks/results --name fit_memory
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import checkout_commit, command_line, machine_info  # noqa: E402

#: One fit, in a fresh process: prints a JSON line with the seconds and steps.
_ONE_FIT = """
import json, sys, time
# The library of `library_dir`, not an editable install's (whose finder comes first).
sys.meta_path[:] = [f for f in sys.meta_path if "Editable" not in type(f).__name__]
sys.path[:0] = [{library!r}, {benchmarks!r}]
from fit_cost import synthetic_table
x = synthetic_table({rows}, {features})
start = time.perf_counter()
from tfvae.detectors import VAEDetector
imported = time.perf_counter()
detector = VAEDetector().fit(x)
done = time.perf_counter()
import tfvae
print(json.dumps({{"fit_s": done - imported, "import_s": imported - start,
    "steps": int(detector.model_.optimizer.iterations.numpy()),
    "from_checkout": tfvae.__file__.startswith({library!r})}}))
"""


def synthetic_table(n_rows, n_features, seed=0):
    """Rows on a 10-dimensional linear manifold plus noise, float32."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_rows, 10))
    return (
        latent @ rng.normal(size=(10, n_features)) + 0.3 * rng.normal(size=(n_rows, n_features))
    ).astype(np.float32)


def _load():
    return [round(v, 2) for v in os.getloadavg()]


def fit_in_fresh_process(library_dir, rows, features):
    """`{fit_s, import_s, steps}` of one default fit with the tfvae found in `library_dir`."""
    code = _ONE_FIT.format(
        library=os.path.abspath(library_dir),
        benchmarks=os.path.dirname(os.path.abspath(__file__)),
        rows=rows,
        features=features,
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(old_dir, rounds, rows, features):
    """Alternating old/new fits; the per-pair ratios and their median."""
    new_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    pairs = []
    for index in range(rounds):
        pair = {"load_before": _load()}
        for label, folder in (("old", old_dir), ("new", new_dir)):
            pair[label] = fit_in_fresh_process(folder, rows, features)
            print(f"round {index + 1}: {label} {pair[label]}", flush=True)
        pair["ratio"] = pair["new"]["fit_s"] / pair["old"]["fit_s"]
        pairs.append(pair)
    return {
        "old_library": checkout_commit(old_dir),
        "new_library": checkout_commit(new_dir),
        "pairs": pairs,
        "median_old_s": float(np.median([p["old"]["fit_s"] for p in pairs])),
        "median_new_s": float(np.median([p["new"]["fit_s"] for p in pairs])),
        "median_ratio": float(np.median([p["ratio"] for p in pairs])),
    }


def _rss_mb():
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise OSError("no VmRSS in /proc/self/status")


def memory_over_fits(n_fits, rows, features):
    """RSS (MB) after each of `n_fits` default fits in this process."""
    from tfvae.detectors import VAEDetector

    x = synthetic_table(rows, features)
    rss, seconds = [], []
    for seed in range(n_fits):
        start = time.perf_counter()
        VAEDetector(seed=seed).fit(x)
        seconds.append(time.perf_counter() - start)
        rss.append(_rss_mb())
        print(f"fit {seed + 1}: {seconds[-1]:.1f} s, RSS {rss[-1]:.0f} MB", flush=True)
    return {
        "rss_mb": rss,
        "fit_s": seconds,
        "growth_after_first": rss[-1] / rss[0] - 1.0,
    }


def _markdown(report):
    lines = [
        "# Default fit cost",
        "",
        f"Command: `{report['command']}`  ",
        f"Date: {report['machine']['date_utc']}; {report['machine']['cpu']}, "
        f"{report['machine']['logical_cores']} logical cores; load average "
        f"{report['load_average_start']} -> {report['load_average_end']}",
        "",
    ]
    if "compare" in report:
        c = report["compare"]
        lines += [
            f"`VAEDetector().fit` on {report['rows']:,} x {report['features']}, each fit in a "
            f"fresh process, old and new alternating ({len(c['pairs'])} pairs):",
            "",
            "| pair | old fit (s) | old steps | new fit (s) | new steps | new / old |",
            "|---|---|---|---|---|---|",
            *[
                f"| {i + 1} | {p['old']['fit_s']:.1f} | {p['old']['steps']} | "
                f"{p['new']['fit_s']:.1f} | {p['new']['steps']} | {p['ratio']:.3f} |"
                for i, p in enumerate(c["pairs"])
            ],
            "",
            f"Median: old {c['median_old_s']:.1f} s, new {c['median_new_s']:.1f} s, "
            f"**ratio {c['median_ratio']:.3f}** (old: commit `{c['old_library']}`, new: `{c['new_library']}`).",
            "",
        ]
    if "memory" in report:
        m = report["memory"]
        lines += [
            f"{len(m['rss_mb'])} default fits in one process: RSS after the first "
            f"{m['rss_mb'][0]:.0f} MB, after the last {m['rss_mb'][-1]:.0f} MB "
            f"(**growth {100 * m['growth_after_first']:.1f}%**), largest "
            f"{max(m['rss_mb']):.0f} MB; median fit {np.median(m['fit_s']):.1f} s.",
            "",
            "RSS after each fit (MB): " + ", ".join(f"{v:.0f}" for v in m["rss_mb"]),
            "",
        ]
    return "\n".join(lines)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--old", default=None, help="checkout of the library to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="old/new pairs with --old")
    parser.add_argument("--fits", type=int, default=0, help="fits in one process (memory)")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--name", default="fit_cost")
    args = parser.parse_args(argv)
    if not args.old and not args.fits:
        parser.error("give --old DIR (time against another checkout) and/or --fits N (memory)")
    from tfvae.atomic import write_json, write_text

    report = {
        "command": command_line(argv),
        "machine": machine_info(),
        "load_average_start": _load(),
        "rows": args.rows,
        "features": args.features,
    }
    if args.old:
        report["compare"] = compare(args.old, args.rounds, args.rows, args.features)
    if args.fits:
        report["memory"] = memory_over_fits(args.fits, args.rows, args.features)
    report["load_average_end"] = _load()
    base = os.path.join(args.out, args.name)
    write_json(base + ".json", report)
    text = _markdown(report)
    write_text(base + ".md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Small tables for the data tests: mixed column types, KDD Cup 99 rows."""

import numpy as np
import pandas as pd


def mixed_frame(n=200, seed=0):
    """Numeric, heavy-tailed, categorical and missing values, like network logs."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "duration": rng.normal(10, 2, n),
            "bytes": rng.lognormal(3, 2, n).round(),
            "protocol": rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1]),
            "temperature": rng.normal(20, 5, n),
        }
    )
    frame.loc[0, "bytes"] = 2e5  # a heavy tail: the "auto" rule logs this column
    frame.loc[rng.choice(n, n // 10, replace=False), "temperature"] = np.nan
    frame.loc[rng.choice(n, min(3, n // 10), replace=False), "protocol"] = None
    return frame


#: One KDD Cup 99 row (41 fields) without its label.
KDD_ROW = "0,tcp,http,SF,181,5450" + ",0" * 16 + ",8,8" + ",0.00" * 7 + ",9,9" + ",0.00" * 8


def kdd_file(path, labels):
    """A gzipped KDD Cup 99 file of `KDD_ROW` once per label."""
    import gzip

    path.write_bytes(gzip.compress("".join(f"{KDD_ROW},{label}\n" for label in labels).encode()))
    return path

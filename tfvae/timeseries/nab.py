"""Reader for Numenta Anomaly Benchmark (NAB) series and their labelled windows."""

import json
import os

import numpy as np
import pandas as pd


def load_nab_series(csv_path, windows_path=None, key=None):
    """Reads one NAB series and marks the timesteps inside its labelled anomaly windows.

    Args:
        csv_path: path of a NAB CSV with columns `timestamp,value`.
        windows_path: optional path of `combined_windows.json`.
        key: the series' key in that file (default `"<folder>/<file name>"`, e.g.
            `"realKnownCause/nyc_taxi.csv"`).

    Returns:
        DataFrame with `timestamp`, `value` and `in_window` (int 0/1), and the list of
        `(start, end)` window timestamps as `frame.attrs["windows"]`.
    """
    if not os.path.isfile(csv_path):
        raise FileNotFoundError(f"NAB series not found: {csv_path}")
    frame = pd.read_csv(csv_path)
    missing = {"timestamp", "value"} - set(frame.columns)
    if missing:
        raise ValueError(f"{csv_path} lacks the NAB column(s) {sorted(missing)}.")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["in_window"] = 0
    windows = []
    if windows_path is not None:
        key = key or "/".join(os.path.normpath(csv_path).split(os.sep)[-2:])
        with open(windows_path) as f:
            all_windows = json.load(f)
        if key not in all_windows:
            raise KeyError(f"{windows_path} has no windows for {key!r}.")
        for start, end in all_windows[key]:
            start, end = pd.Timestamp(start), pd.Timestamp(end)
            windows.append((start, end))
            inside = (frame["timestamp"] >= start) & (frame["timestamp"] <= end)
            frame.loc[inside, "in_window"] = 1
    frame["in_window"] = frame["in_window"].astype(np.int64)
    frame.attrs["windows"] = windows
    return frame

"""Atomic writers for the files of a run directory (temp file in the same folder + rename)."""

import json
import os

import numpy as np

#: Files a run writes; `--overwrite` removes exactly these (and the folders below).
RUN_FILES = (
    "config.json",
    "config.yaml",
    "model.keras",
    "calibration_scores.npy",
    "threshold.json",
    "metrics.json",
    "training_log.csv",
)
RUN_FOLDERS = ("checkpoints", "backup", "logs", "workers")


def _tmp(path):
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.tmp{os.getpid()}")


def write_json(path, data):
    tmp = _tmp(path)
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)
    return path


def write_yaml(path, data):
    import yaml

    tmp = _tmp(path)
    with open(tmp, "w") as f:
        yaml.safe_dump(data, f, sort_keys=False)
    os.replace(tmp, path)
    return path


def write_npy(path, array):
    tmp = _tmp(path) + ".npy"  # np.save appends .npy to names without it
    np.save(tmp, np.asarray(array), allow_pickle=False)
    os.replace(tmp, path)
    return path


def save_model(model, path):
    """Saves a `.keras` file atomically (Keras needs the `.keras` suffix on the temp name)."""
    tmp = _tmp(path) + ".keras"
    model.save(tmp)
    os.replace(tmp, path)
    return path

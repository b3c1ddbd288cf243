"""Atomic writers for the files of a run directory (temp file in the same folder + rename)."""

import numpy as np

from tfvae import atomic

#: Files a run writes (and the folders below); `--overwrite` replaces only run folders
#: that hold nothing else.
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


def write_yaml(path, data):
    import yaml

    return atomic.write_text(path, yaml.safe_dump(data, sort_keys=False))


def write_npy(path, array):
    with atomic.atomic_path(path) as tmp:
        np.save(tmp, np.asarray(array), allow_pickle=False)
    return path


def save_model(model, path):
    """Saves a `.keras` file atomically (the temporary name keeps the `.keras` suffix)."""
    with atomic.atomic_path(path) as tmp:
        model.save(tmp)
    return path

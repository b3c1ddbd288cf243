"""TFDS builder for the KDD Cup 99 10% file, prepared offline from a manual directory."""

import os

import numpy as np
import tensorflow_datasets as tfds

from tfvae.data.kddcup99 import CATEGORICAL, COLUMNS, LABEL, NORMAL, classic_split, load_kddcup99

FILE_NAME = "kddcup.data_10_percent.gz"


class TfvaeKddcup99(tfds.core.GeneratorBasedBuilder):
    """KDD Cup 99 (10%): 41 raw columns, `label` and `is_anomaly`; splits of the classic VAE setup.

    Splits: `train` (first 80% of normal rows), `test` (the other normal rows plus
    as many attack rows, seed 0) and `full` (every row, file order).
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Raw columns, classic split."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        f"Place `{FILE_NAME}` (and optionally `kddcup.names`) in the manual directory, "
        "e.g. ../shared/data/kddcup99/; nothing is downloaded."
    )

    def _info(self):
        features = {
            name: tfds.features.Text() if name in CATEGORICAL else tfds.features.Scalar(np.float32)
            for name in COLUMNS
        }
        features[LABEL] = tfds.features.Text()
        features["is_anomaly"] = tfds.features.ClassLabel(names=["normal", "attack"])
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(features),
            homepage="https://kdd.ics.uci.edu/databases/kddcup99/kddcup99.html",
        )

    def _split_generators(self, dl_manager):
        path = os.path.join(dl_manager.manual_dir, FILE_NAME)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} not found. {self.MANUAL_DOWNLOAD_INSTRUCTIONS}")
        frame = load_kddcup99(path)
        train, test, y_test = classic_split(frame)
        labels = frame[LABEL].to_numpy()
        is_normal = labels == NORMAL
        return {
            "train": self._generate_examples(
                train, np.full(len(train), NORMAL), np.zeros(len(train), int)
            ),
            "test": self._generate_examples(test, np.where(y_test == 1, "attack", NORMAL), y_test),
            "full": self._generate_examples(
                frame.drop(columns=[LABEL]), labels, (~is_normal).astype(int)
            ),
        }

    def _generate_examples(self, frame, labels, is_anomaly):
        records = frame.to_dict(orient="records")
        for index, (record, label, flag) in enumerate(zip(records, labels, is_anomaly)):
            record = {k: (v if k in CATEGORICAL else np.float32(v)) for k, v in record.items()}
            yield index, {**record, LABEL: str(label), "is_anomaly": int(flag)}

"""`ExportModelHandler`: Beam's `RunInference` over an export version folder.

Beam's `TFModelHandlerTensor` loads with the `load_model` of `tf.keras` (Keras 2), which Keras 3
cannot do for a SavedModel folder; this handler loads the folder with
`tf.saved_model.load` (once per worker) and calls its serving signatures.
"""

import json
import os

import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.ml.inference.base import ModelHandler

from tfvae.data.column_stats import CATEGORICAL
from tfvae.data.model_inputs import ModelInputs

#: The scores every row gets, from the export's `score` / `score_raw` signatures.
SCORE_KEYS = ("score", "kl", "reconstruction_error", "is_anomaly", "valid")


def read_metadata(export_dir):
    """The `metadata.json` dict of an export version folder (any Beam filesystem)."""
    path = os.path.join(export_dir, "metadata.json")
    if not FileSystems.exists(path):
        raise FileNotFoundError(
            f"No metadata.json in {export_dir}: pass an export version folder written by "
            "`tfvae export` (e.g. exports/model/1)."
        )
    with FileSystems.open(path) as handle:
        return json.loads(handle.read().decode("utf-8"))


class ExportModelHandler(ModelHandler):
    """Scores rows with an export version folder.

    Numeric models take each row as a sequence of floats (a tuple, or a numpy array)
    of the model's input width and use the `score` signature; raw-column models (tabular preprocessing) take each row
    as a dict column -> value and use `score_raw`. Each result is a dict of the
    `SCORE_KEYS` (Python scalars), plus `feature_errors` (a list of floats) when
    asked for (numeric models only: their `feature_errors` signature takes the row).

    Args:
        export_dir: str. An export version folder, e.g. `exports/model/1`.
        feature_errors: bool. Also return per-feature squared errors.
        min_batch_size: int. Smallest batch `RunInference` forms.
        max_batch_size: int. Largest batch `RunInference` forms.

    Example:
    ```python
    handler = KeyedModelHandler(ExportModelHandler("exports/model/1"))
    keyed_rows | RunInference(handler)  # (key, {"score": ..., "is_anomaly": ...})
    ```
    """

    def __init__(self, export_dir, feature_errors=False, min_batch_size=1, max_batch_size=4096):
        if int(min_batch_size) < 1 or int(max_batch_size) < int(min_batch_size):
            raise ValueError(
                "Expected 1 <= `min_batch_size` <= `max_batch_size`. Received: "
                f"min_batch_size={min_batch_size!r}, max_batch_size={max_batch_size!r}"
            )
        super().__init__()
        self.export_dir = os.fspath(export_dir)
        self.feature_errors = bool(feature_errors)
        self.min_batch_size = int(min_batch_size)
        self.max_batch_size = int(max_batch_size)
        self.metadata = read_metadata(self.export_dir)
        self.inputs = ModelInputs.from_metadata(self.metadata)
        if self.feature_errors and self.inputs.raw:
            raise ValueError(
                "Feature errors need a numeric export: the `feature_errors` signature of a "
                "raw-column model takes encoded features, not raw columns."
            )

    def load_model(self):
        import tensorflow as tf

        return tf.saved_model.load(self.export_dir)

    def run_inference(self, batch, model, inference_args=None):
        import tensorflow as tf

        if self.inputs.raw:
            columns = {
                name: tf.constant(_column([row[name] for row in batch], kind))
                for name, kind in zip(self.inputs.names, self.inputs.kinds)
            }
            outputs = model.signatures["score_raw"](**columns)
        else:
            features = np.asarray(batch, dtype=np.float32).reshape((len(batch), *self.inputs.shape))
            features = tf.constant(features)
            outputs = model.signatures["score"](features=features)
        values = {key: outputs[key].numpy() for key in SCORE_KEYS}
        if self.feature_errors:
            errors = model.signatures["feature_errors"](features=features)["feature_errors"].numpy()
            values["feature_errors"] = errors.reshape(len(batch), -1)
        columns = {key: value.tolist() for key, value in values.items()}  # Python values, per row
        return [dict(zip(columns, row)) for row in zip(*columns.values())]

    def batch_elements_kwargs(self):
        return {"min_batch_size": self.min_batch_size, "max_batch_size": self.max_batch_size}

    def get_metrics_namespace(self):
        return "tfvae"


def _column(values, kind):
    return np.asarray(values, dtype=object if kind == CATEGORICAL else np.float32)

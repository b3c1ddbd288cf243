"""`ExportModelHandler`: Beam's `RunInference` over an export version folder, a block at a time.

Beam's `TFModelHandlerTensor` loads with the `load_model` of `tf.keras` (Keras 2), which Keras 3
cannot do for a SavedModel folder; this handler loads the folder with `tf.saved_model.load`
(once per worker process) and calls its serving signature once per block of rows.
"""

import json
import os

import numpy as np
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems
from apache_beam.ml.inference.base import ModelHandler

from tfvae.serving import FEATURE_ERRORS_SIGNATURE, RAW_SIGNATURE, SCORE_SIGNATURE, ModelInputs


def read_metadata(export_dir):
    """The `metadata.json` dict of an export version folder (any Beam filesystem)."""
    path = os.path.join(export_dir, "metadata.json")
    if not FileSystems.exists(path):
        raise FileNotFoundError(
            f"No metadata.json in {export_dir}: pass an export version folder written by "
            "`tfvae export` (e.g. exports/model/1)."
        )
    with FileSystems.open(path) as handle:
        try:
            return json.loads(handle.read().decode("utf-8"))
        except ValueError as error:
            raise ValueError(
                f"{path} is not valid JSON ({error}): export the model again."
            ) from error


class ExportModelHandler(ModelHandler):
    """Scores blocks of rows with an export version folder.

    Each element is one block, already batched: a float32 array `[rows, *input_shape]`
    for a numeric model (its `score` signature), or a dict column -> array of the raw
    columns for a raw-column model (`score_raw`). Each result is a dict output name ->
    numpy array over the block's rows: the outputs the export's `metadata.json` lists
    for that signature (`score`, `kl`, ...), plus `feature_errors` `[rows, width]` when
    asked for (numeric models). `RunInference` is given one block per call.

    Args:
        export_dir: str. An export version folder, e.g. `exports/model/1`.
        feature_errors: bool. Also return per-feature squared errors.

    Example:
    ```python
    handler = ExportModelHandler("exports/model/1").check()
    keyed_blocks | RunInference(KeyedModelHandler(handler))  # (key, {"score": array, ...})
    ```
    """

    def __init__(self, export_dir, feature_errors=False):
        super().__init__()
        self.export_dir = os.fspath(export_dir)
        self.feature_errors = bool(feature_errors)
        self.metadata = read_metadata(self.export_dir)
        self.inputs = ModelInputs.from_metadata(self.metadata)
        if self.feature_errors and self.inputs.raw:
            raise ValueError(
                "Feature errors need a numeric export: the `feature_errors` signature of a "
                "raw-column model takes encoded features, not raw columns."
            )
        self.signature = RAW_SIGNATURE if self.inputs.raw else SCORE_SIGNATURE
        self.outputs = None  # (name, dtype) of the served outputs, set by `check`

    def check(self):
        """Loads the export once and checks the signatures the workers will call.

        Call it where the pipeline is built, so a broken export fails there, in one
        line, instead of in every worker. Returns the handler.

        Raises:
            ValueError: the SavedModel does not load, or a signature is missing or does
                not take the inputs `metadata.json` describes.
        """
        model = self.load_model(check=True)
        calls = [self.signature] + ([FEATURE_ERRORS_SIGNATURE] if self.feature_errors else [])
        for name in calls:
            if name not in model.signatures:
                raise ValueError(
                    f"The export {self.export_dir} has no `{name}` signature (it has "
                    f"{sorted(model.signatures)}): export the model again with `tfvae export`."
                )
            self._check_inputs(name, model.signatures[name].structured_input_signature[1])
        served = model.signatures[self.signature].structured_outputs
        names = self.metadata.get("signatures", {}).get(self.signature, [])
        missing = [name for name in names if name not in served] or ([] if names else ["(none)"])
        if missing:
            raise ValueError(
                f"The export {self.export_dir}: metadata.json lists outputs {names} for "
                f"`{self.signature}`, the SavedModel serves {sorted(served)}; export it again."
            )
        self.outputs = tuple((name, served[name].dtype.name) for name in names)
        return self

    def _check_inputs(self, signature, specs):
        if self.inputs.raw and signature == RAW_SIGNATURE:
            expected = {
                name: "string" if kind == "categorical" else "float32"
                for name, kind in zip(self.inputs.names, self.inputs.kinds)
            }
            found = {name: spec.dtype.name for name, spec in specs.items()}
        else:
            expected = {"features": [None, *self.inputs.shape]}
            found = {name: spec.shape.as_list() for name, spec in specs.items()}
        if found != expected:
            raise ValueError(
                f"The export {self.export_dir}: signature `{signature}` takes {found}, "
                f"metadata.json describes {expected}; export the model again."
            )

    def load_model(self, check=False):
        import tensorflow as tf

        try:
            return tf.saved_model.load(self.export_dir)
        except Exception as error:  # noqa: BLE001 - TF raises many kinds for one broken folder
            if not check:
                raise
            first = " ".join(str(error).split())[:300]
            raise ValueError(
                f"Cannot load the SavedModel in {self.export_dir} ({type(error).__name__}: "
                f"{first}): pass an export version folder written by `tfvae export`."
            ) from error

    def run_inference(self, batch, model, inference_args=None):
        """One signature call per block of `batch`; a list of output dicts, in order."""
        return [self._score(model, block) for block in batch]

    def _score(self, model, block):
        import tensorflow as tf

        if self.outputs is None:
            raise ValueError("Call `ExportModelHandler.check()` when building the pipeline.")
        rows = len(next(iter(block.values()))) if self.inputs.raw else len(block)
        block = _padded(block, bucket_size(rows))
        if self.inputs.raw:
            columns = {name: tf.constant(values) for name, values in block.items()}
            served = model.signatures[self.signature](**columns)
        else:
            features = tf.constant(block)
            served = model.signatures[self.signature](features=features)
        values = {name: served[name].numpy()[:rows] for name, _ in self.outputs}
        if self.feature_errors:
            errors = model.signatures[FEATURE_ERRORS_SIGNATURE](features=features)
            values["feature_errors"] = errors["feature_errors"].numpy()[:rows].reshape(rows, -1)
        return values

    def output_schema(self):
        """The pyarrow schema of the score columns (booleans as int8 0/1)."""
        if self.outputs is None:
            raise ValueError("Call `ExportModelHandler.check()` when building the pipeline.")
        fields = [(name, _arrow_type(dtype)) for name, dtype in self.outputs]
        fields += [(name, pa.float32()) for name in self.feature_error_columns()]
        return pa.schema(fields)

    def output_columns(self, values):
        """The score columns of one block's result, in `output_schema` order."""
        columns = [
            values[name].astype(np.int8) if dtype == "bool" else values[name]
            for name, dtype in self.outputs
        ]
        if self.feature_errors:
            columns += list(values["feature_errors"].astype(np.float32).T)
        return columns

    def feature_error_columns(self):
        """Names of the per-feature error columns (none unless asked for)."""
        if not self.feature_errors:
            return ()
        names = self.inputs.names or [str(i) for i in range(self.inputs.width)]
        return tuple(f"feature_error:{name}" for name in names)

    def batch_elements_kwargs(self):
        return {"min_batch_size": 1, "max_batch_size": 1}  # elements are blocks already

    def get_metrics_namespace(self):
        return "tfvae"


def bucket_size(rows):
    """`rows` rounded up to one of 8 sizes per power of two (at most 12.5% more).

    The export's scores run in an XLA cluster, compiled once per input shape (about a
    quarter of a second): blocks of a few thousand rows all differ in length, so each
    is padded to one of a few sizes and the compilations are done after a few blocks.
    """
    step = 1 << max(rows.bit_length() - 4, 0)
    return -(-rows // step) * step


def _padded(block, size):
    """A block with zero (or empty-string) rows appended up to `size` rows."""
    if isinstance(block, dict):
        return {name: _pad(values, size) for name, values in block.items()}
    return _pad(block, size)


def _pad(values, size):
    values = np.asarray(values)
    if len(values) == size:
        return values
    fill = "" if values.dtype == object or values.dtype.kind in "US" else 0
    padding = np.full((size - len(values), *values.shape[1:]), fill, dtype=values.dtype)
    return np.concatenate([values, padding])


def _arrow_type(dtype):
    return pa.int8() if dtype == "bool" else pa.from_numpy_dtype(np.dtype(dtype))

"""`export_model`: one call from a trained model to a TF Serving version and `.tflite` files."""

import contextlib
import dataclasses
import math
import os
import tempfile

import keras

from tfvae.export import layout, tflite, warmup
from tfvae.export import metadata as meta
from tfvae.export import signatures as sig
from tfvae.export.savedmodel import ServingModule
from tfvae.saving import as_model
from tfvae.serving import FORMATS


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What `export_model` wrote.

    Attributes:
        version: int. The published version number.
        version_dir: str. `<out>/<name>/<version>`.
        saved_model_dir: str or None. The SavedModel (the version dir), if exported.
        tflite_files: dict quantisation -> `.tflite` path.
        signatures: tuple of str. SavedModel signature names.
        sizes: dict path -> bytes (SavedModel directory total, each `.tflite`).
        metadata: dict. The contents of `metadata.json`.
    """

    version: int
    version_dir: str
    saved_model_dir: str
    tflite_files: dict
    signatures: tuple
    sizes: dict
    metadata: dict


def _as_tuple(value, name, choices):
    values = tuple(v.strip() for v in value.split(",")) if isinstance(value, str) else tuple(value)
    bad = [v for v in values if v not in choices]
    if not values or bad:
        raise ValueError(
            f"Expected `{name}` to be a subset of {choices}. Received: {name}={value!r}"
        )
    return values


def load_for_export(model_or_path):
    """Returns the VAE of a `.keras` path, a fitted detector, or a VAE; refuses unfitted models."""
    model = as_model(model_or_path, gan=True)
    # Trained means fitted: an uncompiled model (no optimizer state) never was.
    optimizer = getattr(model, "optimizer", None)
    untrained = optimizer is None or int(keras.ops.convert_to_numpy(optimizer.iterations)) == 0
    if not model.built or untrained:
        raise ValueError(
            "The model has not been trained: call `fit` (and calibrate a threshold) before exporting."
        )
    return model


def _resolve_threshold(model, threshold):
    if threshold is not None:
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float))
            or not math.isfinite(threshold)
        ):
            raise ValueError(
                f"Expected `threshold` to be a finite number. Received: threshold={threshold!r}"
            )
        return float(threshold), {
            "method": "explicit",
            "detail": "set at export time (--threshold)",
        }
    stored = model.threshold_value()
    if stored is None:
        raise ValueError(
            "The model has no threshold (it was never calibrated). Calibrate it (e.g. "
            "`VAEDetector.fit` does) or pass an explicit threshold (`--threshold T`)."
        )
    return stored, {"method": "stored in the model", "detail": "calibrated before export"}


def _savedmodel_size(path):
    return sum(
        os.path.getsize(os.path.join(root, f))
        for root, dirs, files in os.walk(path)
        for f in files
        if os.path.relpath(root, path).split(os.sep)[0] != "tflite"
    )


def _write_savedmodel(model, directory, name, metadata):
    os.makedirs(directory, exist_ok=True)
    metadata_path = meta.write_metadata(metadata, os.path.join(directory, meta.FILENAME))
    names = ServingModule(model).save(directory, metadata_path=metadata_path)
    warmup.write_warmup(directory, name, sig.signature_inputs(model))
    return names


def export_model(
    model_or_path,
    out,
    name="model",
    version=None,
    threshold=None,
    formats=FORMATS,
    quantize=("none",),
    calibration=None,
    training_summary=None,
):
    """Exports a trained VAE as a TF Serving version directory and `.tflite` files.

    Writes `<out>/<name>/<version>/` atomically: the SavedModel (signatures
    `serving_default`, `score`, `feature_errors`, `encode`, `reconstruct`, and
    `score_raw` for raw-column models), `metadata.json`, warm-up records, and
    `tflite/<name>.<float32|float16|dynamic>.tflite` (+ `.json`).

    Args:
        model_or_path: a trained `VAE`, a fitted `VAEDetector`, or a `.keras` path.
        out: str. Export base directory (what TF Serving's `base_path` points above).
        name: str. Model name (TF Serving's model name).
        version: int or None. Version number; None takes the next free one.
        threshold: float or None. Overrides the model's stored threshold in the export.
        formats: `"savedmodel"`, `"tflite"` or both (tuple or comma-separated str).
        quantize: TFLite variants among `"none"`, `"float16"`, `"dynamic"`.
        calibration: dict or None. How the stored threshold was calibrated (for
            metadata; ignored when `threshold` is given).
        training_summary: dict or None. Facts about the training data (for metadata).

    Returns:
        An `ExportResult`.

    Example:
    ```python
    result = export_model("model.keras", "exports", name="fraud")
    result.version_dir, result.tflite_files["none"]
    ```
    """
    formats = _as_tuple(formats, "formats", FORMATS)
    quantize = _as_tuple(quantize, "quantize", tflite.QUANTIZATIONS)
    version, version_dir = layout.resolve_version(out, name, version)
    model, value, calibration = _model_and_threshold(model_or_path, threshold, calibration)
    with _threshold_set_to(model, value):
        names, files, metadata = _write_version(
            model, version_dir, name, formats, quantize, value, calibration, training_summary
        )
    return _result(version, version_dir, formats, names, files, metadata)


def _model_and_threshold(model_or_path, threshold, calibration):
    """The model to export, the threshold it exports with, and how that threshold was set
    (for the metadata)."""
    if calibration is None and hasattr(model_or_path, "threshold_rule_"):
        calibration = model_or_path.threshold_rule_.to_dict()  # a fitted detector knows its rule
    model = load_for_export(model_or_path)
    value, source = _resolve_threshold(model, threshold)
    # An explicit threshold replaces whatever calibration the model had.
    return model, value, source if threshold is not None else (calibration or source)


@contextlib.contextmanager
def _threshold_set_to(model, value):
    """Exports with the threshold `value`, and gives the model back its own threshold after,
    even when the export fails: the caller's model must not change."""
    original = keras.ops.convert_to_numpy(model.threshold)
    model.threshold.assign(value)
    try:
        yield
    finally:
        model.threshold.assign(original)


def _write_version(model, version_dir, name, formats, quantize, value, calibration, summary):
    """Writes the `formats` of `model` to `version_dir` atomically (`layout.publish`).

    Returns:
        The SavedModel's signature names, `{quantization: .tflite path in version_dir}`
        and the metadata.
    """
    with layout.publish(version_dir) as tmp, tempfile.TemporaryDirectory() as scratch:
        # The TFLite converter reads a SavedModel: kept out of the version when not asked for.
        sm_dir = tmp if "savedmodel" in formats else os.path.join(scratch, "savedmodel")
        signature_names = list(sig.signature_inputs(model))
        metadata = meta.build_metadata(model, value, calibration, signature_names, summary)
        names = _write_savedmodel(model, sm_dir, name, metadata)
        files = _write_tflite(tmp, sm_dir, name, quantize, metadata) if "tflite" in formats else {}
        if "savedmodel" not in formats:
            meta.write_metadata(metadata, os.path.join(tmp, meta.FILENAME))
    files = {q: os.path.join(version_dir, os.path.relpath(p, tmp)) for q, p in files.items()}
    return names, files, metadata


def _write_tflite(tmp, sm_dir, name, quantize, metadata):
    """Converts the SavedModel `sm_dir` once per `quantize` variant into `<tmp>/tflite/`."""
    os.makedirs(os.path.join(tmp, "tflite"))
    files = {}
    for q in quantize:
        path = os.path.join(tmp, "tflite", f"{name}.{tflite.SUFFIXES[q]}.tflite")
        files[q] = tflite.write_tflite(sm_dir, path, q, metadata)
    return files


def _result(version, version_dir, formats, names, files, metadata):
    """The `ExportResult` of a published version, with the size of each artifact."""
    sizes = {p: os.path.getsize(p) for p in files.values()}
    saved_model_dir = version_dir if "savedmodel" in formats else None
    if saved_model_dir:
        sizes[saved_model_dir] = _savedmodel_size(saved_model_dir)
    return ExportResult(version, version_dir, saved_model_dir, files, names, sizes, metadata)

"""`metadata.json`: what a served model is, written beside the SavedModel and each `.tflite`."""

import datetime

import keras
import numpy as np
import tensorflow as tf

import tfvae
from tfvae.atomic import write_json
from tfvae.preprocessing.feature_scaler import scaling_metadata
from tfvae.score_names import VAE_SCORES
from tfvae.serving import (
    INPUT_NAME,
    SERVED_OUTPUTS,
    feature_shape,
    feature_signatures,
    raw_input_signature,
)

FILENAME = "metadata.json"


def _training_summary(model, extra):
    summary = dict(extra or {})
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        summary.setdefault("optimizer_steps", int(keras.ops.convert_to_numpy(optimizer.iterations)))
    for key, value in scaling_metadata(getattr(model, "preprocessor", None)).items():
        summary.setdefault(key, value)
    return summary


def build_metadata(model, threshold, calibration, signature_names, training_summary=None):
    """Returns the metadata dict of an export (JSON-serialisable).

    Args:
        model: the exported VAE (or GANomaly: its `absent_outputs` say which VAE outputs,
            such as `kl`, it does not have).
        threshold: float. The threshold stored in the export.
        calibration: dict or str. How the threshold was chosen.
        signature_names: list of str. The SavedModel signatures.
        training_summary: dict or None. Extra facts about the training data.
    """
    raw = raw_input_signature(model)
    return {
        "package": "tfvae",
        "package_version": tfvae.__version__,
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
        "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "model_class": type(model).__name__,
        "input_name": INPUT_NAME,
        "input_shape": [None, *feature_shape(model)],
        "input_width": int(np.prod(feature_shape(model))),
        "input_is_encoded": raw is not None,
        "feature_names": model.feature_names,
        "raw_inputs": None if raw is None else {k: v.dtype.name for k, v in raw.items()},
        "threshold": float(threshold),
        "threshold_calibration": calibration,
        "score_name": model.score_name,
        "score_definition": (
            model.score_definition()
            if hasattr(model, "score_definition")
            else VAE_SCORES[model.score_name]
            + "; deterministic: the decoder reconstructs the posterior mean z_mean"
        ),
        "likelihood": getattr(model, "likelihood", None),
        "is_anomaly": "score > threshold, or the row holds NaN/inf (then valid is false)",
        "signatures": {
            name: list(feature_signatures(model).get(name, SERVED_OUTPUTS))
            for name in signature_names
        },
        "training_data": _training_summary(model, training_summary),
        **(
            {"absent_outputs": dict(model.absent_outputs)}
            if hasattr(model, "absent_outputs")
            else {}
        ),
    }


def write_metadata(metadata, path):
    """Writes `metadata` as indented JSON to `path` atomically."""
    return write_json(path, metadata)

"""The serving vocabulary: what an export holds and serves, in one place, TF-free.

Signature names, their input name and output keys, the signatures kept in `.tflite`
files, the formats and TFLite variants `tfvae.export.export_model` writes, and which
inputs a model's signatures take. `tfvae.export` traces these signatures, Beam's
`ExportModelHandler` calls them, and the `tfvae` commands read the names while parsing
(`tfvae export --help` imports no TensorFlow).
"""

#: What `export_model` can write.
FORMATS = ("savedmodel", "tflite")
#: TFLite variants: full float32, float16 weights, dynamic-range int8 weights.
QUANTIZATIONS = ("none", "float16", "dynamic")

#: The one input of the signatures taking an array of features.
INPUT_NAME = "features"
#: The signatures a scorer calls: by numeric models, by raw-column models (one input per
#: raw column, see `raw_input_signature`), and for per-feature errors.
SCORE_SIGNATURE = "score"
RAW_SIGNATURE = "score_raw"
FEATURE_ERRORS_SIGNATURE = "feature_errors"

#: The scores served per row, in one order: the `score` and `serving_default` outputs of
#: an export (and so `metadata.json`'s lists and Beam's output columns) and the columns
#: `tfvae score` writes after `line`.
SERVED_OUTPUTS = ("score", "kl", "reconstruction_error", "is_anomaly", "valid")
FEATURE_ERROR_KEYS = ("feature_errors",)
ENCODE_KEYS = ("z_mean", "z_log_var")
RECONSTRUCT_KEYS = ("reconstruction",)

#: signature name -> output keys, for the signatures taking `features`.
FEATURE_SIGNATURES = {
    "serving_default": SERVED_OUTPUTS,
    SCORE_SIGNATURE: SERVED_OUTPUTS,
    FEATURE_ERRORS_SIGNATURE: FEATURE_ERROR_KEYS,
    "encode": ENCODE_KEYS,
    "reconstruct": RECONSTRUCT_KEYS,
}
#: Signatures kept in `.tflite` files (never one named `serve`: the converter would
#: then keep only that one).
TFLITE_SIGNATURES = ("score", "feature_errors", "encode", "reconstruct")


def feature_signatures(model):
    """Signature name -> output keys for `model`: its own `export_signatures` when it has
    one (the GAN: no `kl`, no `z_log_var`), else `FEATURE_SIGNATURES`."""
    return dict(getattr(model, "export_signatures", FEATURE_SIGNATURES))


def raw_input_signature(model):
    """`{column: tf.TensorSpec([None], dtype, name=column)}` of a dict preprocessor, or None."""
    method = getattr(getattr(model, "preprocessor", None), "input_signature", None)
    return None if method is None else dict(method())


def feature_shape(model):
    """Shape (without batch) of the `features` input of the model's signatures."""
    if not model.built:
        raise ValueError("The model is not built: fit it (or load a fitted `.keras` file) first.")
    input_shape = model.get_build_config()["input_shape"]
    if raw_input_signature(model) is not None:
        input_shape = model.preprocessor.compute_output_shape(input_shape)
    shape = tuple(input_shape)[1:]
    if any(d is None for d in shape):
        raise ValueError(
            f"Expected a fixed feature shape to export. The model was built on {input_shape}."
        )
    return tuple(int(d) for d in shape)

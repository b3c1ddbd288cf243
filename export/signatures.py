"""The serving contract: signature names, input names and output keys, in one place.

Every signature calls `tfvae.scores.anomaly_scores` (the one scoring function) and
picks keys from its result; no score maths lives here.

Inputs:
- `features` signatures take a float32 `[batch, n_features]` tensor. For a model
  without a preprocessor, or with an array preprocessor such as the `Normalization`
  layer of `VAEDetector`, that is the raw numeric row and the model standardises it
  itself. For a model whose preprocessor takes a dict of raw columns (the tabular
  preprocessing, which has `input_signature()`), it is the *encoded* feature vector
  (the preprocessor's output): there is no single raw array to take, and the encoded
  path is the one TFLite can run.
- `score_raw` (only with a dict preprocessor) takes one named `[batch]` input per raw
  column and applies the preprocessor inside the graph.
"""

import tensorflow as tf

from tfvae.scores import anomaly_scores

INPUT_NAME = "features"

SCORE_KEYS = ("reconstruction_error", "kl", "score", "is_anomaly", "valid")
FEATURE_ERROR_KEYS = ("feature_errors",)
ENCODE_KEYS = ("z_mean", "z_log_var")
RECONSTRUCT_KEYS = ("reconstruction",)

#: signature name -> output keys, for the signatures taking `features`.
FEATURE_SIGNATURES = {
    "serving_default": SCORE_KEYS,
    "score": SCORE_KEYS,
    "feature_errors": FEATURE_ERROR_KEYS,
    "encode": ENCODE_KEYS,
    "reconstruct": RECONSTRUCT_KEYS,
}
RAW_SIGNATURE = "score_raw"
#: Signatures kept in `.tflite` files (never one named `serve`: the converter would
#: then keep only that one).
TFLITE_SIGNATURES = ("score", "feature_errors", "encode", "reconstruct")

OUTPUT_DTYPES = {"is_anomaly": tf.bool, "valid": tf.bool}


class _EncodedFeatures:
    """The model seen from already-encoded features: its preprocessor is skipped.

    `anomaly_scores` only calls `features`, `posterior`, `decode` and reads a few
    attributes; everything but `features` is the model's own.
    """

    def __init__(self, model):
        self._model = model

    def features(self, inputs):
        return tf.cast(inputs, "float32")

    def __getattr__(self, name):
        return getattr(self._model, name)


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


def signature_inputs(model):
    """`{signature name: {input name: tf.TensorSpec}}` of every signature of `model`."""
    spec = tf.TensorSpec((None, *feature_shape(model)), tf.float32, name=INPUT_NAME)
    inputs = {name: {INPUT_NAME: spec} for name in feature_signatures(model)}
    raw_spec = raw_input_signature(model)
    if raw_spec is not None:
        inputs[RAW_SIGNATURE] = raw_spec
    return inputs


def _pick(outputs, keys):
    return {key: tf.identity(outputs[key], name=key) for key in keys}


def build_signatures(model):
    """Traces every serving signature of `model`.

    Scores decode the posterior mean (`anomaly_scores` with `mc_samples=0`), so they
    are deterministic and Keras, SavedModel and TFLite agree.

    Args:
        model: a built `tfvae.models.VAE` (or `GANomaly`).

    Returns:
        A dict signature name -> concrete function, ready for `tf.saved_model.save`.
    """
    spec = signature_inputs(model)["score"][INPUT_NAME]
    raw_spec = raw_input_signature(model)
    scored = model if raw_spec is None else _EncodedFeatures(model)
    signatures = {}
    for name, keys in feature_signatures(model).items():

        def serve(features, keys=keys):
            # Saved signatures do not check shapes themselves: fail with a clear message
            # naming the expected width instead of a broadcast error deep in the graph.
            features = tf.ensure_shape(features, spec.shape, name="features_shape_check")
            return _pick(anomaly_scores(scored, features, keys=keys), keys)

        signatures[name] = tf.function(
            serve, input_signature=[spec], autograph=False
        ).get_concrete_function()
    if raw_spec is not None:

        def serve_raw(**columns):
            return _pick(anomaly_scores(model, columns, keys=SCORE_KEYS), SCORE_KEYS)

        signatures[RAW_SIGNATURE] = tf.function(serve_raw, autograph=False).get_concrete_function(
            **raw_spec
        )
    return signatures

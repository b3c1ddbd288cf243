"""The serving signatures traced: the names, inputs and output keys of `tfvae.serving`.

Every signature calls `tfvae.scoring.scores.anomaly_scores` (the one scoring function) and
picks keys from its result; no score maths lives here.

Inputs:
- `features` signatures take a float32 `[batch, n_features]` tensor. For a model
  without a preprocessor, or with an array preprocessor such as the `FeatureScaler`
  of `VAEDetector`, that is the raw numeric row and the model standardises it
  itself. For a model whose preprocessor takes a dict of raw columns (the tabular
  preprocessing, which has `input_signature()`), it is the *encoded* feature vector
  (the preprocessor's output): there is no single raw array to take, and the encoded
  path is the one TFLite can run.
- `score_raw` (only with a dict preprocessor) takes one named `[batch]` input per raw
  column and applies the preprocessor inside the graph.
"""

import tensorflow as tf

from tfvae.scoring.scores import anomaly_scores
from tfvae.serving import (
    INPUT_NAME,
    RAW_SIGNATURE,
    SERVED_OUTPUTS,
    feature_shape,
    feature_signatures,
    raw_input_signature,
)


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
            return _pick(anomaly_scores(model, columns, keys=SERVED_OUTPUTS), SERVED_OUTPUTS)

        signatures[RAW_SIGNATURE] = tf.function(serve_raw, autograph=False).get_concrete_function(
            **raw_spec
        )
    return signatures

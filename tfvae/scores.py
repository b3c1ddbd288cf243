"""The one scoring function: every path (Keras, detector, SavedModel, TFLite) calls it.

Higher is more anomalous for every score.
"""

import weakref

import tensorflow as tf

from tfvae import losses

#: Per-example outputs of `anomaly_scores`, each float32 `[batch]` unless noted.
SCORE_OUTPUTS = (
    "reconstruction_error",  # mean squared error over features
    "reconstruction_error_mae",  # mean absolute error over features
    "kl",  # KL(q(z|x) || N(0, I))
    "negative_elbo",  # NLL(x | decoded z) + KL: the per-example VAE loss with beta=1
    "score",  # the model's `score_name`, the one its threshold applies to
)


def _mean_over_samples(values):
    return tf.add_n(values) / float(len(values))


def anomaly_scores(model, inputs, mc_samples=0, seed=0):
    """Computes every anomaly score of a VAE for a batch, deterministically.

    By default the decoder reconstructs the posterior mean `z_mean`, so the same
    input always gets the same score (and Keras, SavedModel and TFLite agree). With
    `mc_samples=L > 0`, reconstruction terms are averaged over `L` draws of `z` from
    the posterior using fixed-seed stateless noise (still deterministic).

    Args:
        model: a built `tfvae.models.VAE` (or `Autoencoder`), or a model with its own
            `scores(inputs, mc_samples, seed)` method (`GANomaly`), which is then called.
        inputs: tensor `[batch, ...]` (or the dict of raw columns the model's
            preprocessor takes).
        mc_samples: int. 0 decodes `z_mean`; L > 0 averages over L samples.
        seed: int. Seed of the Monte Carlo noise.

    Returns:
        A dict of tensors: the `SCORE_OUTPUTS` (float32 `[batch]`), plus
        `feature_errors` (squared error, shape of the features), `features`,
        `reconstruction`, `z_mean`, `z_log_var`, `valid` (bool `[batch]`, False for
        rows with NaN/inf features) and `is_anomaly` (bool `[batch]`: score above the
        model's threshold, or not `valid`; all False while no threshold is set
        unless the row is invalid).

    Example:
    ```python
    out = anomaly_scores(vae, x)
    out["score"], out["feature_errors"]
    ```
    """
    own_scores = getattr(model, "scores", None)
    if own_scores is not None:  # models with their own score maths (the GAN): see `decisions`
        return own_scores(inputs, mc_samples=mc_samples, seed=seed)
    features = model.features(inputs)
    z_mean, z_log_var = model.posterior(features, training=False)
    if mc_samples:
        noise_shape = tf.shape(z_mean)
        codes = [
            z_mean
            + tf.exp(0.5 * z_log_var)
            * tf.random.stateless_normal(noise_shape, seed=[seed, index], dtype=z_mean.dtype)
            for index in range(int(mc_samples))
        ]
    else:
        codes = [z_mean]
    reconstructions = [model.decode(z) for z in codes]
    log_var = model.observation_log_var
    # An ensemble decodes [batch, K, ...]: every score is the mean over its K members.
    targets = model.member_targets(features)
    members = float(model.members)
    reconstruction = model.average_members(_mean_over_samples(reconstructions))
    feature_errors = model.average_members(
        _mean_over_samples([losses.squared_error(targets, r) for r in reconstructions])
    )
    nll = _mean_over_samples(
        [losses.negative_log_likelihood(targets, r, model.likelihood, log_var) for r in reconstructions]
    ) / members
    outputs = {
        "features": features,
        "reconstruction": reconstruction,
        "z_mean": z_mean,
        "z_log_var": z_log_var,
        "feature_errors": feature_errors,
        "reconstruction_error": _mean_over_samples(
            [losses.reconstruction_error(targets, r, "mse") for r in reconstructions]
        ),
        "reconstruction_error_mae": _mean_over_samples(
            [losses.reconstruction_error(targets, r, "mae") for r in reconstructions]
        ),
        "kl": losses.kl_divergence(z_mean, z_log_var) / members,
    }
    outputs["negative_elbo"] = nll + outputs["kl"]
    outputs["score"] = outputs[model.score_name]
    outputs.update(decisions(model, features, outputs["score"]))
    return outputs


def decisions(model, features, score):
    """`valid` (no NaN/inf feature) and `is_anomaly` (score above the model's threshold,
    or not valid) per example: the decision outputs of every model's scores."""
    flat = tf.reshape(features, [tf.shape(features)[0], -1])
    valid = tf.reduce_all(tf.math.is_finite(flat), axis=1)
    # NaN > threshold is False, so invalid rows are flagged explicitly.
    return {"valid": valid, "is_anomaly": tf.logical_or(score > model.threshold, tf.logical_not(valid))}


#: model -> {(keys, mc_samples): traced scoring function}; weak, so models can be freed.
_SCORERS = weakref.WeakKeyDictionary()


def batch_scorer(model, keys=SCORE_OUTPUTS, mc_samples=0):
    """The traced `anomaly_scores` of `model` returning only `keys`, cached per model.

    Calling it again with the same model, keys and `mc_samples` returns the same
    `tf.function`, so repeated scoring (one detector call per chunk, per epoch...)
    does not retrace. Outputs not in `keys` are pruned from the traced graph.

    Args:
        model: a built VAE.
        keys: names of the `anomaly_scores` outputs to return.
        mc_samples: int. See `anomaly_scores`.

    Returns:
        A `tf.function` mapping a batch to a dict of tensors, one per key.
    """
    keys, mc_samples = tuple(keys), int(mc_samples)
    cache = _SCORERS.setdefault(model, {})
    if (keys, mc_samples) not in cache:
        # A weak reference: the cached function must not keep its (weak) key alive.
        model_ref = weakref.ref(model)

        @tf.function(reduce_retracing=True)
        def _score(batch):
            out = anomaly_scores(model_ref(), batch, mc_samples=mc_samples)
            return {key: out[key] for key in keys}

        cache[(keys, mc_samples)] = _score
    return cache[(keys, mc_samples)]


def score_in_batches(model, x, batch_size=4096, keys=SCORE_OUTPUTS, mc_samples=0):
    """Runs `anomaly_scores` over numpy inputs in batches, traced once per model and keys.

    Args:
        model: a built VAE.
        x: numpy array (or dict of numpy arrays for raw-column models).
        batch_size: int. Rows per batch.
        keys: names of the outputs to return.
        mc_samples: int. See `anomaly_scores`.

    Returns:
        A dict of numpy arrays, one per key, concatenated over batches.
    """
    import numpy as np

    keys = tuple(keys)
    _score = batch_scorer(model, keys, mc_samples)
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(batch_size)
    parts = {key: [] for key in keys}
    for batch in dataset:
        out = _score(batch)
        for key in keys:
            parts[key].append(out[key].numpy())
    return {key: np.concatenate(parts[key], axis=0) for key in keys}

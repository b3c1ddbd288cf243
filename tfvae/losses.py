"""Losses and scores as pure functions, written once.

Every function takes batched tensors and returns one value per example (or per
feature), reducing over all non-batch axes. Training (`VAE.train_step`), scoring
(`tfvae.scoring.scores.anomaly_scores`) and every export path call these same functions.
"""

import math

import tensorflow as tf

LIKELIHOODS = ("gaussian", "bernoulli")
_EPSILON = 1e-7


def _feature_axes(x):
    """The non-batch axes of `x`: static when its rank is (no shape ops, fewer TFLite ops)."""
    if x.shape.rank is None:
        return tf.range(1, tf.rank(x))
    return list(range(1, x.shape.rank))


def squared_error(x, x_hat):
    """Per-feature squared error `(x - x_hat)**2`, same shape as `x`."""
    return tf.math.squared_difference(tf.cast(x, x_hat.dtype), x_hat)


def reconstruction_error(x, x_hat, kind="mse"):
    """Per-example reconstruction error, averaged over all non-batch axes.

    Args:
        x: tensor `[batch, ...]`. The input.
        x_hat: tensor, same shape as `x`. The reconstruction.
        kind: str. `"mse"` (mean squared error) or `"mae"` (mean absolute error).

    Returns:
        A float tensor `[batch]`.
    """
    x = tf.cast(x, x_hat.dtype)
    if kind == "mse":
        errors = tf.math.squared_difference(x, x_hat)
    elif kind == "mae":
        errors = tf.abs(x - x_hat)
    else:
        raise ValueError(f"Expected `kind` to be 'mse' or 'mae'. Received: kind={kind!r}")
    return tf.reduce_mean(errors, axis=_feature_axes(errors))


def kl_divergence(z_mean, z_log_var):
    """Closed-form KL( N(z_mean, exp(z_log_var)) || N(0, I) ) per example.

    Args:
        z_mean: tensor `[batch, latent_dim]` (or `[batch, members, latent_dim]`).
        z_log_var: tensor, same shape as `z_mean`.

    Returns:
        A float tensor `[batch]`, summed over all non-batch axes.
    """
    terms = -0.5 * (1.0 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))
    return tf.reduce_sum(terms, axis=_feature_axes(terms))


def negative_log_likelihood(x, x_hat, likelihood="gaussian", log_var=None):
    """Per-example negative log-likelihood of `x` under the decoder's distribution.

    Args:
        x: tensor `[batch, ...]`. The input.
        x_hat: tensor, same shape as `x`. The decoder mean (Gaussian) or
            probability (Bernoulli).
        likelihood: str. `"gaussian"` or `"bernoulli"`.
        log_var: optional tensor broadcastable to `x`. Gaussian observation
            log-variance; `None` means unit variance (0.5 * sum of squared error).

    Returns:
        A float tensor `[batch]`, summed over all non-batch axes (the log-likelihood
        of the whole example, including constants).
    """
    x = tf.cast(x, x_hat.dtype)
    if likelihood == "gaussian":
        if log_var is None:
            log_var = tf.zeros([], x_hat.dtype)
        log_var = tf.cast(log_var, x_hat.dtype)
        terms = 0.5 * (
            tf.math.squared_difference(x, x_hat) * tf.exp(-log_var)
            + log_var
            + math.log(2.0 * math.pi)
        )
    elif likelihood == "bernoulli":
        p = tf.clip_by_value(x_hat, _EPSILON, 1.0 - _EPSILON)
        terms = -(x * tf.math.log(p) + (1.0 - x) * tf.math.log(1.0 - p))
    else:
        raise ValueError(
            f"Expected `likelihood` to be one of {LIKELIHOODS}. Received: likelihood={likelihood!r}"
        )
    return tf.reduce_sum(terms, axis=_feature_axes(terms))


def calibrated_sum(scores, calibration, weights=None):
    """Sums scores of different units after putting them on one robust scale.

    Each score becomes `z = (score - center) / scale` (center and scale: median and
    IQR of held-out rows), then `sign(z) * log(1 + |z|)`, so that no single score's
    heavy tail decides alone, and the results are added, each times its weight.

    Args:
        scores: tensor `[batch, n_scores]`.
        calibration: tensor `[2, n_scores]`: centers, then scales.
        weights: sequence of `n_scores` floats, or None (all 1).

    Returns:
        A float tensor `[batch]`.
    """
    calibration = tf.cast(calibration, scores.dtype)
    z = (scores - calibration[0]) / calibration[1]
    compressed = tf.sign(z) * tf.math.log1p(tf.abs(z))
    if weights is not None:
        compressed = compressed * tf.constant(weights, scores.dtype)
    return tf.reduce_sum(compressed, axis=1)


def trimmed_weights(per_example_loss, fraction):
    """0/1 weights keeping the `1 - fraction` lowest losses of a batch (at least one).

    Trimmed-loss training (least trimmed squares): the rows a model fits worst get
    no gradient, so anomalies hidden in the training data pull the model less.
    The weights carry no gradient themselves.

    Args:
        per_example_loss: tensor `[batch]`.
        fraction: float in [0, 1). Share of the batch to leave out.

    Returns:
        A tensor `[batch]` of 0s and 1s, of the loss's dtype.
    """
    n_rows = tf.shape(per_example_loss)[0]
    n_kept = tf.cast(tf.math.ceil((1.0 - fraction) * tf.cast(n_rows, "float32")), "int32")
    n_kept = tf.clip_by_value(n_kept, 1, tf.maximum(n_rows, 1))
    largest_kept = tf.sort(per_example_loss)[n_kept - 1]
    return tf.stop_gradient(tf.cast(per_example_loss <= largest_kept, per_example_loss.dtype))


def average_over_global_batch(per_example_loss, sample_weight=None):
    """Reduces a per-example loss so that summing gradients over replicas is right.

    Under `tf.distribute`, gradients are summed across replicas. Dividing each
    replica's summed loss by the *global* batch size makes that sum equal the
    single-device mean. Outside a strategy this is the plain mean.

    Args:
        per_example_loss: tensor `[batch]`.
        sample_weight: optional tensor `[batch]`.

    Returns:
        A scalar tensor.
    """
    return tf.nn.compute_average_loss(per_example_loss, sample_weight=sample_weight)

"""The per-example error terms of the anomaly scores, computed in one fused pass.

Unfused, every term is a chain of TensorFlow kernels, each reading and writing a
`[batch, features]` tensor (clip, two logs, products, sums for the Bernoulli NLL):
together they cost more than the network's matmuls (benchmarks/speed_profile.py).
`error_terms` computes the terms asked for from one XLA cluster, which loops over the
reconstruction once. The maths are `tfvae.losses`, unchanged.
"""

import tensorflow as tf

from tfvae import losses
from tfvae.serving import OUTPUT_TERMS

#: Compile the terms with XLA (False runs the same ops as separate kernels).
FUSE = True


def needed_terms(keys, score_name):
    """The terms (`nll`, `mse`, `mae`, `kl`, `valid`) that the outputs `keys` need."""
    terms = set()
    for key in keys:
        if key == "is_anomaly":
            terms.add("valid")
        if key in ("score", "is_anomaly"):
            key = score_name
        terms.update(OUTPUT_TERMS.get(key, ()))
    return tuple(sorted(terms))


def _terms(targets, reconstruction, z_mean, z_log_var, likelihood, log_var, wanted):
    out = {}
    if "nll" in wanted:
        out["nll"] = losses.negative_log_likelihood(targets, reconstruction, likelihood, log_var)
    if "mse" in wanted:
        out["mse"] = losses.reconstruction_error(targets, reconstruction, "mse")
    if "mae" in wanted:
        out["mae"] = losses.reconstruction_error(targets, reconstruction, "mae")
    if "kl" in wanted:
        out["kl"] = losses.kl_divergence(z_mean, z_log_var)
    if "valid" in wanted:  # no NaN/inf feature, read in the same pass
        axes = list(range(1, targets.shape.rank))
        out["valid"] = tf.reduce_all(tf.math.is_finite(targets), axis=axes)
    return out


_fused = tf.function(_terms, jit_compile=True, autograph=False)


def error_terms(targets, reconstruction, z_mean, z_log_var, likelihood, log_var, wanted):
    """Per-example error terms, one `[batch]` tensor per name in `wanted`.

    Args:
        targets: tensor. The features, aligned with `reconstruction`.
        reconstruction: tensor. The decoder output.
        z_mean: tensor. Posterior mean (for `kl`).
        z_log_var: tensor. Posterior log-variance (for `kl`).
        likelihood: str. `"gaussian"` or `"bernoulli"` (for `nll`).
        log_var: tensor or None. Gaussian observation log-variance (for `nll`).
        wanted: tuple of str among `nll`, `mse`, `mae`, `kl` and `valid`.

    Returns:
        A dict name -> tensor `[batch]` (summed, not averaged, over ensemble members;
        `valid` is bool).
    """
    if not wanted:
        return {}
    function = _fused if FUSE else _terms
    return function(targets, reconstruction, z_mean, z_log_var, likelihood, log_var, wanted)

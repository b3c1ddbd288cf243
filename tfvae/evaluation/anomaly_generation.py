"""Synthetic outliers from a trained VAE, for evaluation when no labelled anomalies exist.

Every method decodes latent codes and maps the result back to the model's INPUT
space (undoing a `FeatureScaler` or `Normalization` preprocessor), so the generated rows can be scored
like any real row. Two kinds, which test different things:

- `feature_noise` rows lie OFF the learned manifold (decoded rows plus noise): what
  reconstruction-based scores are built to catch; the default in `evaluate`.
- `latent_shift` / `prior_tail` rows lie ON the decoded manifold but far out in latent
  space (extrapolations of normal data). The decoder reconstructs them well, so
  reconstruction scores often miss them and only the `kl` score flags them; they
  measure a blind spot rather than give an easy positive class.
"""

import numpy as np
import tensorflow as tf

from tfvae.preprocessing.feature_scaler import input_values
from tfvae.saving import as_model
from tfvae.scoring.scores import score_in_batches

#: method -> whether it needs `x_reference` (normal rows to start from).
METHODS = {
    "latent_shift": True,  # encode normal rows, move z_mean `scale` prior-SDs away, decode
    "prior_tail": False,  # decode prior draws conditioned to lie beyond radius `scale`
    "feature_noise": True,  # decode normal rows, add noise of `scale` feature-SDs
}


def _unit_directions(rng, n, shape):
    """`n` random unit directions in a latent space of `shape` (per ensemble member)."""
    directions = rng.normal(size=(n, *np.atleast_1d(shape)))
    return directions / np.linalg.norm(directions, axis=-1, keepdims=True)


def _decode(model, z):
    """Decodes codes in chunks; an ensemble's members are averaged."""
    return np.concatenate(
        [
            model.average_members(model.decode(tf.constant(chunk, tf.float32))).numpy()
            for chunk in np.array_split(z, max(1, len(z) // 4096))
        ]
    )


def generate_anomalies(model, n, method="latent_shift", x_reference=None, scale=4.0, seed=0):
    """Generates `n` synthetic anomalous rows from a trained VAE.

    Args:
        model: a trained `tfvae.models.VAE` or a fitted `VAEDetector`.
        n: int. Number of rows to generate.
        method: str. One of `METHODS`:
            `"latent_shift"` encodes rows of `x_reference` and moves each posterior
            mean `scale` prior standard deviations in a random direction before
            decoding; `"prior_tail"` decodes random codes at radius
            `sqrt(latent_dim) + scale` (outside the prior's typical set);
            `"feature_noise"` decodes `x_reference` rows and adds Gaussian noise of
            `scale` standard deviations per feature, off the decoded manifold.
        x_reference: array of normal rows (input space). Needed by `latent_shift`
            and `feature_noise`.
        scale: float. Strength of the perturbation (> 0).
        seed: int. Seed of the random directions, rows and noise.

    Returns:
        float32 array `[n, ...]` in the model's input space.

    Example:
    ```python
    fake = generate_anomalies(detector, 200, method="latent_shift", x_reference=x_normal)
    detector.predict(fake).mean()  # share flagged
    ```
    """
    if method not in METHODS:
        raise ValueError(f"Expected `method` in {sorted(METHODS)}. Received: method={method!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"Expected `n` to be a positive int. Received: n={n!r}")
    if not scale > 0:
        raise ValueError(f"Expected `scale` to be a positive float. Received: scale={scale!r}")
    if METHODS[method] and (x_reference is None or len(x_reference) == 0):
        raise ValueError(f"method={method!r} needs `x_reference`: pass some normal rows.")
    vae = as_model(model)
    rng = np.random.default_rng(seed)
    if method == "prior_tail":
        latent_dim = int(vae.encoder.latent_dim)
        radius = np.sqrt(latent_dim) + scale
        shape = latent_dim if vae.members == 1 else (vae.members, latent_dim)
        features = _decode(vae, radius * _unit_directions(rng, n, shape))
        return input_values(vae.preprocessor, features).astype(np.float32)
    x_reference = np.asarray(x_reference, dtype=np.float32)
    rows = x_reference[rng.integers(0, len(x_reference), size=n)]
    out = score_in_batches(vae, rows, keys=("z_mean", "reconstruction", "features"))
    if method == "latent_shift":
        z = out["z_mean"] + scale * _unit_directions(rng, n, out["z_mean"].shape[1:])
        features = _decode(vae, z)
    else:
        # Per-feature spread of the reference features; constant features get the global one.
        spread = out["features"].std(axis=0, keepdims=True)
        spread = np.where(spread > 0, spread, out["features"].std() or 1.0)
        features = out["reconstruction"] + scale * spread * rng.normal(
            size=out["reconstruction"].shape
        )
    return input_values(vae.preprocessor, features).astype(np.float32)

"""Filling a VAE's bank of training rows' latent codes, and calibrating the scores on it."""

import numpy as np
import tensorflow as tf

from tfvae.preprocessing.feature_scaler import quartile_spread
from tfvae.scoring.scores import score_in_batches

#: The outputs `remember_neighbours` needs from its scoring passes.
REMEMBER_KEYS = ("negative_elbo", "z_mean", "neighbour_distance")


def remember_neighbours(model, rows, calibration_rows=None, seed=0, keys=REMEMBER_KEYS):
    """Stores training rows' posterior means in `model.neighbours` and calibrates.

    The bank takes `model.neighbours.bank_size` of `rows` (all of them, or a random
    subset drawn with `seed`). The robust statistics behind `elbo_neighbours` (median
    and IQR of the negative ELBO and of the neighbour distance) come from
    `calibration_rows`, rows the bank does not hold; without them, from the bank rows,
    each measured to its neighbours other than itself.

    Args:
        model: a built `tfvae.models.VAE` with a `LatentNeighbours` layer.
        rows: array `[rows, ...]` (or dict of column arrays): training rows, at least
            `bank_size` of them.
        calibration_rows: the same kind, or None.
        seed: int. Seed of the subset.
        keys: the outputs each scoring pass computes, a superset of `REMEMBER_KEYS`
            (a caller that scores with its own keys passes them: one trace for all).

    Returns:
        `model`.

    Example:
    ```python
    vae = VAE(encoder, decoder, neighbours=LatentNeighbours(1000, 1, 8), score_name="elbo_neighbours")
    vae.fit(x_train, epochs=10)
    remember_neighbours(vae, x_train, x_val)
    ```
    """
    neighbours = getattr(model, "neighbours", None)
    if neighbours is None:
        raise ValueError(
            "Expected a model with a `LatentNeighbours` layer (`VAE(..., neighbours=...)`)."
        )
    n_rows = len(tf.nest.flatten(rows)[0])
    if n_rows < neighbours.bank_size:
        raise ValueError(
            f"Expected at least `bank_size` ({neighbours.bank_size}) rows to remember. "
            f"Received: {n_rows} rows"
        )
    chosen = np.sort(np.random.default_rng(seed).permutation(n_rows)[: neighbours.bank_size])
    bank_rows = tf.nest.map_structure(lambda column: column[chosen], rows)
    bank_out = score_in_batches(model, bank_rows, keys=keys)
    neighbours.remember(bank_out["z_mean"])
    if calibration_rows is None:
        elbo = bank_out["negative_elbo"]
        distance = neighbours(bank_out["z_mean"], skip_nearest=True).numpy()
    else:
        out = score_in_batches(model, calibration_rows, keys=keys)
        elbo, distance = out["negative_elbo"], out["neighbour_distance"]
    model.score_calibration.assign(_robust_statistics(np.stack([elbo, distance], axis=1)))
    return model


def _robust_statistics(values):
    """`[[medians], [scales]]` of the columns of `values`: IQR, else standard deviation,
    else 1 (a column of equal values)."""
    center, iqr, std = quartile_spread(values)
    scale = np.where(iqr > 0, iqr, np.where(std > 0, std, 1.0))
    return np.stack([center, scale]).astype(np.float32)

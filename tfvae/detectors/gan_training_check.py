"""Checks a finished GAN run for divergence and collapse before it is used to score."""

import math

import numpy as np

#: Mean discriminator loss (binary cross-entropy, real + generated; 2 ln 2 = 1.39 at
#: chance) under which the discriminator separates every generated row from the real
#: ones: its features then no longer say anything about the data's distribution.
DISCRIMINATOR_COLLAPSE_LOSS = 1e-3
#: Spread of the reconstructions (across rows) relative to the spread of the features
#: under which the generator makes (nearly) the same output for every input.
GENERATOR_COLLAPSE_RATIO = 1e-3


class GANTrainingError(RuntimeError):
    """A GAN run diverged or collapsed; its scores would be meaningless."""


def gan_training_problems(history, features=None, reconstructions=None, scores=None):
    """Lists what went wrong in a GAN run (an empty list when nothing did).

    Args:
        history: dict metric name -> list of per-epoch values (Keras `History.history`).
        features: optional array `[rows, ...]`: model features of some training or
            calibration rows.
        reconstructions: optional array, same shape: their reconstructions.
        scores: optional array `[rows]`: their anomaly scores.

    Returns:
        A list of one-line problem descriptions.
    """
    problems = []
    for name, values in sorted(history.items()):
        bad = [epoch for epoch, value in enumerate(values, 1) if not math.isfinite(value)]
        if bad:
            problems.append(f"diverged: {name} is NaN/inf from epoch {bad[0]} on")
    final = history.get("discriminator_loss", [])
    if final and math.isfinite(final[-1]) and final[-1] < DISCRIMINATOR_COLLAPSE_LOSS:
        problems.append(
            f"discriminator collapsed: its loss fell to {final[-1]:.2e} in the last epoch "
            f"(< {DISCRIMINATOR_COLLAPSE_LOSS:g}; 1.39 is chance), so it separates every "
            "generated row and its feature residual is no longer informative"
        )
    if features is not None and reconstructions is not None and len(features) > 1:
        data_spread = float(np.mean(np.std(features, axis=0)))
        output_spread = float(np.mean(np.std(reconstructions, axis=0)))
        if data_spread > 0 and output_spread < GENERATOR_COLLAPSE_RATIO * data_spread:
            problems.append(
                f"generator collapsed: its outputs vary {output_spread:.2e} across rows against "
                f"{data_spread:.2e} for the data (collapsed or not yet trained: one output for "
                "every input)"
            )
    if scores is not None and not np.all(np.isfinite(scores)):
        problems.append(
            f"diverged: {int(np.sum(~np.isfinite(scores)))} of {len(scores)} calibration scores "
            "are NaN/inf"
        )
    return problems

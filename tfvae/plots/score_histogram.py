"""Histogram of anomaly scores, normal vs anomalous, with the threshold line."""

import numpy as np

from tfvae.plots._figure import finish, labels_or_none, pyplot


def plot_score_histogram(scores, labels=None, threshold=None, path=None, log_scale=None, bins=50):
    """Plots the distribution of scores, split by label, and the decision threshold.

    Args:
        scores: array `[n]` of anomaly scores (higher = more anomalous).
        labels: optional array `[n]` of 0 (normal) / 1 (anomaly).
        threshold: optional float, drawn as a vertical line.
        path: optional str. Saves the PNG there (atomically).
        log_scale: bool or None. Log x-axis; None picks it when all scores are
            positive and span more than two decades.
        bins: int. Number of bins (shared by both groups).

    Returns:
        The matplotlib `Figure`.
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    labels = labels_or_none(labels, scores.size)
    finite = scores[np.isfinite(scores)]
    if finite.size == 0:
        raise ValueError("`scores` holds no finite value to plot.")
    if log_scale is None:
        log_scale = bool(finite.min() > 0 and finite.max() / finite.min() > 100)
    low, high = finite.min(), finite.max()
    if high == low:
        high = low + 1.0
    edges = np.geomspace(low, high, bins + 1) if log_scale else np.linspace(low, high, bins + 1)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    groups = (
        [("all rows", scores, "tab:blue")]
        if labels is None
        else [
            (f"normal (n={int((labels == 0).sum())})", scores[labels == 0], "tab:blue"),
            (f"anomaly (n={int((labels == 1).sum())})", scores[labels == 1], "tab:red"),
        ]
    )
    for name, values, color in groups:
        values = values[np.isfinite(values)]
        if values.size:
            ax.hist(
                values, bins=edges, alpha=0.55, color=color, label=name, density=labels is not None
            )
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", label=f"threshold = {threshold:.4g}")
    if log_scale:
        ax.set_xscale("log")
    ax.set_xlabel("anomaly score (higher = more anomalous)")
    ax.set_ylabel("density" if labels is not None else "rows")
    ax.set_title("Score distribution")
    ax.legend()
    return finish(fig, path)

"""Plots for notebooks and reports (matplotlib, Agg backend, imported lazily).

Each function returns the matplotlib `Figure` and, given `path`, saves a PNG atomically.
Install with `pip install 'tfvae[plots]'`.
"""

from tfvae.plots.curves import plot_pr_curve, plot_roc_curve
from tfvae.plots.image_grids import plot_most_anomalous, plot_reconstructions
from tfvae.plots.latent_map import plot_latent_map
from tfvae.plots.score_histogram import plot_score_histogram
from tfvae.plots.training_curves import plot_training_curves

__all__ = [
    "plot_latent_map",
    "plot_most_anomalous",
    "plot_pr_curve",
    "plot_reconstructions",
    "plot_roc_curve",
    "plot_score_histogram",
    "plot_training_curves",
]

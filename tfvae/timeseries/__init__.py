"""Time-series helpers: sliding windows and timestep-level scores."""

from tfvae.timeseries.nab import load_nab_series
from tfvae.timeseries.windows import (
    sliding_windows,
    window_dataset,
    window_scores_to_timesteps,
    window_starts,
)

__all__ = [
    "load_nab_series",
    "sliding_windows",
    "window_dataset",
    "window_scores_to_timesteps",
    "window_starts",
]

"""Sliding windows over series, and window scores mapped back to timesteps."""

import keras
import numpy as np


def _as_series(series):
    values = np.asarray(series, dtype=np.float32)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] == 0:
        raise ValueError(
            f"Expected a series of shape [n_timesteps] or [n_timesteps, n_channels]. "
            f"Received shape {np.shape(series)}."
        )
    if not np.isfinite(values).all():
        raise ValueError(
            f"The series holds {int((~np.isfinite(values)).sum())} NaN/inf values; "
            "fill gaps before windowing."
        )
    return values


def _check_window(n_timesteps, window, stride):
    for name, value in (("window", window), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"Expected `{name}` to be a positive int. Received: {name}={value!r}")
    if window > n_timesteps:
        raise ValueError(f"`window`={window} is longer than the series ({n_timesteps} timesteps).")


def window_starts(n_timesteps, window, stride=1):
    """Start index of every full window (the last partial one is not formed)."""
    _check_window(n_timesteps, window, stride)
    return np.arange(0, n_timesteps - window + 1, stride)


def sliding_windows(series, window, stride=1, flatten=True):
    """Cuts a series into overlapping windows (a view-backed numpy copy).

    Args:
        series: array `[n_timesteps]` or `[n_timesteps, n_channels]`.
        window: int. Timesteps per window.
        stride: int. Step between window starts.
        flatten: bool. Return `[n_windows, window * n_channels]` (for dense VAEs)
            instead of `[n_windows, window, n_channels]`.

    Returns:
        float32 array of windows, in order of their start index.

    Example:
    ```python
    x = sliding_windows(values, window=48, stride=1)   # [n - 47, 48]
    ```
    """
    values = _as_series(series)
    starts = window_starts(len(values), window, stride)
    view = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)  # [n-w+1, C, w]
    windows = np.ascontiguousarray(view[starts].transpose(0, 2, 1))
    return windows.reshape(len(starts), -1) if flatten else windows


def window_dataset(series, window, stride=1, batch_size=256, shuffle=False, seed=None):
    """A `tf.data.Dataset` of flattened windows, built lazily (for long series).

    Uses `keras.utils.timeseries_dataset_from_array`, so windows are sliced on the
    fly rather than materialised.

    Returns:
        A dataset of float32 batches `[batch, window * n_channels]`.
    """
    values = _as_series(series)
    _check_window(len(values), window, stride)
    dataset = keras.utils.timeseries_dataset_from_array(
        values,
        targets=None,
        sequence_length=window,
        sequence_stride=stride,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
    )
    n_channels = values.shape[1]
    return dataset.map(lambda batch: keras.ops.reshape(batch, (-1, window * n_channels)))


def window_scores_to_timesteps(window_scores, n_timesteps, window, stride=1, reduce="mean"):
    """Spreads per-window (or per-window-position) scores back onto timesteps.

    Args:
        window_scores: array `[n_windows]` (one score per window, given to every
            timestep it covers) or `[n_windows, window]` (one score per position,
            e.g. per-timestep reconstruction errors of flattened univariate windows).
        n_timesteps: int. Length of the series.
        window: int. Window length used to cut the series.
        stride: int. Stride used to cut the series.
        reduce: str. `"mean"` or `"max"` over the windows covering a timestep.

    Returns:
        float64 array `[n_timesteps]`; NaN where no window covers a timestep
        (the tail that `stride` skips).
    """
    scores = np.asarray(window_scores, dtype=np.float64)
    starts = window_starts(n_timesteps, window, stride)
    if scores.shape[0] != len(starts):
        raise ValueError(
            f"Expected {len(starts)} window scores for a series of {n_timesteps} timesteps "
            f"(window={window}, stride={stride}). Received {scores.shape[0]}."
        )
    if scores.ndim == 1:
        scores = np.repeat(scores[:, None], window, axis=1)
    if scores.shape[1:] != (window,):
        raise ValueError(
            f"Expected window scores of shape [n_windows] or [n_windows, {window}]. "
            f"Received shape {scores.shape}."
        )
    positions = (starts[:, None] + np.arange(window)[None, :]).ravel()
    values = scores.ravel()
    counts = np.bincount(positions, minlength=n_timesteps).astype(np.float64)
    if reduce == "mean":
        totals = np.bincount(positions, weights=values, minlength=n_timesteps)
        out = totals / np.where(counts > 0, counts, 1.0)
    elif reduce == "max":
        out = np.full(n_timesteps, -np.inf)
        np.maximum.at(out, positions, values)
    else:
        raise ValueError(f"Expected `reduce` to be 'mean' or 'max'. Received: reduce={reduce!r}")
    out[counts == 0] = np.nan
    return out

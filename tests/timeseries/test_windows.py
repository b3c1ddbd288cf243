import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfvae.timeseries import (
    sliding_windows,
    window_dataset,
    window_scores_to_timesteps,
    window_starts,
)


def test_windows_hold_consecutive_values():
    series = np.arange(10.0)
    windows = sliding_windows(series, window=4, stride=3)
    np.testing.assert_array_equal(windows, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])


def test_multichannel_windows_flatten_time_major():
    series = np.stack([np.arange(5.0), -np.arange(5.0)], axis=1)
    windows = sliding_windows(series, window=2, flatten=False)
    assert windows.shape == (4, 2, 2)
    np.testing.assert_array_equal(sliding_windows(series, window=2)[1], [1, -1, 2, -2])


def test_dataset_matches_the_array_windows():
    series = np.sin(np.arange(100.0))
    batches = [b.numpy() for b in window_dataset(series, window=8, stride=2, batch_size=16)]
    np.testing.assert_allclose(np.concatenate(batches), sliding_windows(series, 8, 2), rtol=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 60), st.integers(1, 12), st.integers(1, 5), st.data())
def test_timestep_scores_average_the_covering_windows(n, window, stride, data):
    if window > n:
        with pytest.raises(ValueError, match="longer than the series"):
            window_starts(n, window, stride)
        return
    starts = window_starts(n, window, stride)
    scores = np.array(
        data.draw(st.lists(st.floats(0, 10), min_size=len(starts), max_size=len(starts)))
    )
    per_step = window_scores_to_timesteps(scores, n, window, stride)
    for t in range(n):
        covering = [s for i, s in zip(starts, scores) if i <= t < i + window]
        if covering:
            assert per_step[t] == pytest.approx(np.mean(covering))
        else:
            assert np.isnan(per_step[t])
    maxed = window_scores_to_timesteps(scores, n, window, stride, reduce="max")
    assert np.all(np.nan_to_num(maxed, nan=0) >= np.nan_to_num(per_step, nan=0) - 1e-12)


def test_per_position_scores_map_to_their_timesteps():
    errors = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_allclose(window_scores_to_timesteps(errors, 4, 3), [1, 3, 4, 6])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: sliding_windows(np.zeros((3, 2, 2)), 2), "n_timesteps"),
        (lambda: sliding_windows([1.0, np.nan, 2.0], 2), "NaN"),
        (lambda: sliding_windows(np.zeros(5), 0), "window"),
        (lambda: window_scores_to_timesteps(np.zeros(3), 10, 4), "Expected 7 window scores"),
        (lambda: window_scores_to_timesteps(np.zeros(7), 10, 4, reduce="median"), "reduce"),
    ],
)
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()

import numpy as np
import pytest

from tfvae.timeseries import load_nab_series, sliding_windows, window_scores_to_timesteps


def test_reads_a_series_and_marks_its_windows(tmp_path):
    csv = tmp_path / "realKnownCause" / "toy.csv"
    csv.parent.mkdir()
    csv.write_text(
        "timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,2\n2014-01-01 00:10:00,3\n"
    )
    windows = tmp_path / "windows.json"
    windows.write_text(
        '{"realKnownCause/toy.csv": [["2014-01-01 00:04:00", "2014-01-01 00:06:00"]]}'
    )
    frame = load_nab_series(csv, windows)
    assert list(frame["in_window"]) == [0, 1, 0]
    with pytest.raises(KeyError, match="other.csv"):
        load_nab_series(csv, windows, key="realKnownCause/other.csv")
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        load_nab_series(tmp_path / "missing.csv")


def test_shared_nab_series_windows_round_trip(shared_data):
    nab = shared_data / "nab"
    frame = load_nab_series(
        nab / "realKnownCause" / "nyc_taxi.csv", nab / "labels" / "combined_windows.json"
    )
    assert len(frame) == 10320 and frame["in_window"].sum() == 1035
    windows = sliding_windows(frame["value"].to_numpy(), window=48, stride=4)
    per_step = window_scores_to_timesteps(windows.std(axis=1), len(frame), 48, 4)
    assert np.isfinite(per_step[: len(frame) - 4]).all()

import numpy as np
import pytest

from tfvae.scoring.row_slices import row_slices


@pytest.mark.parametrize("offset", [0, 1])  # aligned or not: the batches go through a buffer
def test_batches_hold_the_rows_of_the_array(offset):
    x = np.random.default_rng(0).random((1001, 7), dtype=np.float32)[offset:]
    seen = []
    for start, stop, batch in row_slices(x, 300):
        np.testing.assert_array_equal(batch.numpy(), x[start:stop])  # valid until the next
        seen.append((start, stop))
    assert seen == [(0, 300), (300, 600), (600, 900), (900, len(x))]


def test_other_dtypes_and_dicts_are_converted_per_batch():
    columns = {"a": np.arange(5.0), "b": np.array(list("vwxyz"), dtype=object)}
    (start, stop, first), (_, _, second) = list(row_slices(columns, 3))
    assert (start, stop) == (0, 3)
    np.testing.assert_array_equal(second["a"].numpy(), [3.0, 4.0])
    assert [v.decode() for v in first["b"].numpy()] == ["v", "w", "x"]

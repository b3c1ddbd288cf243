import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from tfvae.validation import check_features


@settings(max_examples=100, deadline=None)
@given(
    arrays(
        np.float64,
        array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=20),
        elements=st.floats(-1e30, 1e30),
    )
)
def test_finite_2d_arrays_pass_through_as_float32(x):
    out, names = check_features(x)
    assert out.dtype == np.float32 and out.shape == x.shape and names is None


@settings(max_examples=100, deadline=None)
@given(
    arrays(
        np.float64,
        array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=10),
        elements=st.floats(-10, 10),
    ),
    st.data(),
)
def test_any_nan_or_inf_is_reported_with_its_position(x, data):
    row = data.draw(st.integers(0, x.shape[0] - 1))
    col = data.draw(st.integers(0, x.shape[1] - 1))
    x = x.copy()
    x[row, col] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with pytest.raises(ValueError, match=rf"NaN/inf values \(first at row {row}, column {col}\)"):
        check_features(x)
    out, _ = check_features(x, allow_nonfinite=True)
    assert not np.isfinite(out[row, col])


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 5).filter(lambda n: n != 3))
def test_wrong_width_names_both_widths(width):
    x = np.zeros((2, width)) if width else np.zeros((2, 0))
    with pytest.raises(ValueError, match="empty" if width == 0 else f"{width} features.*3"):
        check_features(x, n_features=3)


@pytest.mark.parametrize(
    "x, match",
    [
        (np.zeros(5), "2-D.*Reshape"),
        (np.zeros((0, 3)), "empty"),
        (np.array([["a", "b"]]), "numeric"),
        (np.zeros((2, 2, 2)), "2-D"),
    ],
)
def test_bad_arrays(x, match):
    with pytest.raises(ValueError, match=match):
        check_features(x)


def test_scikit_learn_conventions():
    # The phrases scikit-learn's estimator checks look for, in our own one-line errors.
    from scipy import sparse

    with pytest.raises(TypeError, match="sparse input is not supported.*toarray"):
        check_features(sparse.csr_matrix(np.eye(3)))
    with pytest.raises(ValueError, match="Complex data not supported"):
        check_features(np.ones((2, 2)) * 1j)
    out, _ = check_features(np.ones((2, 2)).astype(object))  # numbers held as objects
    assert out.dtype == np.float32
    bad = np.ones((2, 2)).astype(object)
    bad[0, 0] = {"a": 1}
    with pytest.raises(TypeError, match="`X` must be numeric: float.. argument"):
        check_features(bad)
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(4, 0\)\) while a minimum"):
        check_features(np.zeros((4, 0)))
    with pytest.raises(ValueError, match="X has 2 features, but PCADetector is expecting 3"):
        check_features(np.zeros((4, 2)), n_features=3, owner="PCADetector")


def test_dataframe_columns_are_named_in_errors():
    frame = pd.DataFrame({"bytes": [1.0, 2.0], "host": ["a", "b"]})
    with pytest.raises(ValueError, match=r"\['host'\]"):
        check_features(frame)
    good = pd.DataFrame({"a": [1.0], "b": [2.0]})
    _, names = check_features(good)
    assert names == ["a", "b"]
    with pytest.raises(ValueError, match=r"missing \['b'\], unexpected \['c'\]"):
        check_features(pd.DataFrame({"a": [1.0], "c": [2.0]}), feature_names=["a", "b"])
    with pytest.raises(ValueError, match="bytes.*Impute"):
        check_features(pd.DataFrame({"bytes": [np.nan]}))

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tfvae.thresholds import (
    ContaminationThreshold,
    FalsePositiveRateThreshold,
    PercentileThreshold,
    Threshold,
    p_values,
)

finite_scores = arrays(
    np.float64,
    st.integers(1, 300),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


def test_percentile_flags_about_one_percent():
    scores = np.arange(1000.0)
    threshold = PercentileThreshold(99).fit(scores).threshold_
    assert np.mean(scores > threshold) == pytest.approx(0.01, abs=0.002)


def test_contamination_flags_that_share():
    scores = np.random.default_rng(0).normal(size=10000)
    threshold = ContaminationThreshold(0.05).fit(scores).threshold_
    assert np.mean(scores > threshold) == pytest.approx(0.05, abs=0.001)


@settings(max_examples=200, deadline=None)
@given(finite_scores, st.floats(0.001, 0.999))
def test_fpr_threshold_never_exceeds_the_target(scores, target_fpr):
    if target_fpr < 1.0 / scores.size:
        with pytest.raises(ValueError, match="cannot be calibrated"):
            FalsePositiveRateThreshold(target_fpr).fit(scores)
        return
    threshold = FalsePositiveRateThreshold(target_fpr).fit(scores).threshold_
    assert np.mean(scores > threshold) <= target_fpr + 1e-12


@settings(max_examples=100, deadline=None)
@given(finite_scores, finite_scores)
def test_p_values_are_valid_probabilities_and_monotone(scores, calibration):
    p = p_values(scores, calibration)
    assert np.all((p > 0) & (p <= 1))
    order = np.argsort(scores)
    assert np.all(np.diff(p[order]) <= 1e-12)  # higher score -> smaller p


def test_p_value_of_the_calibration_maximum():
    assert p_values([10.0], [1.0, 2.0, 3.0])[0] == pytest.approx(1 / 4)


@pytest.mark.parametrize(
    "rule", [PercentileThreshold(95), ContaminationThreshold(0.1), FalsePositiveRateThreshold(0.2)]
)
def test_to_dict_round_trip(rule):
    rule.fit(np.arange(50.0))
    restored = Threshold.from_dict(rule.to_dict())
    assert type(restored) is type(rule)
    assert restored.threshold_ == rule.threshold_ and restored.params() == rule.params()


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: PercentileThreshold(100), "percentile"),
        (lambda: ContaminationThreshold(0.7), "contamination"),
        (lambda: FalsePositiveRateThreshold(0), "target_fpr"),
        (lambda: PercentileThreshold().fit([]), "empty"),
        (lambda: PercentileThreshold().fit([1.0, np.nan]), "NaN"),
        (lambda: Threshold.from_dict({"method": "Magic"}), "Unknown threshold"),
    ],
)
def test_bad_requests_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()

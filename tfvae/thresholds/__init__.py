"""Thresholds that turn anomaly scores into decisions."""

from tfvae.thresholds.base import Threshold
from tfvae.thresholds.contamination import ContaminationThreshold
from tfvae.thresholds.false_positive_rate import FalsePositiveRateThreshold
from tfvae.thresholds.fixed import FixedThreshold
from tfvae.thresholds.p_values import p_values
from tfvae.thresholds.percentile import PercentileThreshold
from tfvae.thresholds.rules import RULES, threshold_rule

__all__ = [
    "ContaminationThreshold",
    "FalsePositiveRateThreshold",
    "FixedThreshold",
    "PercentileThreshold",
    "RULES",
    "Threshold",
    "p_values",
    "threshold_rule",
]

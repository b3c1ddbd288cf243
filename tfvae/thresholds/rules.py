"""Threshold rules by method name: how configs, detectors and runs name a rule."""

from tfvae.thresholds.contamination import ContaminationThreshold
from tfvae.thresholds.false_positive_rate import FalsePositiveRateThreshold
from tfvae.thresholds.percentile import PercentileThreshold

#: Method name -> rule class; the rule's one argument is the method's value.
RULES = {
    "percentile": PercentileThreshold,
    "contamination": ContaminationThreshold,
    "target_fpr": FalsePositiveRateThreshold,
}


def threshold_rule(method, value):
    """The unfitted rule `method` names, e.g. `threshold_rule("target_fpr", 0.01)`.

    Raises:
        ValueError: an unknown method or a value out of the rule's range.
    """
    if method not in RULES:
        raise ValueError(f"Expected a threshold method in {list(RULES)}. Received: {method!r}")
    return RULES[method](value)

import numpy as np
import pytest

from tfvae.metrics import detection_metrics


def test_metrics_at_a_threshold():
    m = detection_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], threshold=0.5)
    assert m["confusion_matrix"] == {"tn": 1, "fp": 1, "fn": 1, "tp": 1}
    assert m["precision"] == m["recall"] == m["f1"] == 0.5
    assert m["auroc"] == 0.75 and m["false_positive_rate"] == 0.5


def test_normal_only_labels_do_not_crash():
    m = detection_metrics(np.zeros(5), np.arange(5.0), threshold=3.5)
    assert m["auroc"] is None and m["false_positive_rate"] == 0.2 and m["recall"] == 0.0


def test_length_mismatch_is_named():
    with pytest.raises(ValueError, match="4 rows.*3"):
        detection_metrics([0, 1, 0, 1], [0.1, 0.2, 0.3], 0.5)

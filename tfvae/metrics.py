"""Detection metrics at a threshold, safe when the labels hold one class only."""

import numpy as np
from sklearn import metrics as sk_metrics


def detection_metrics(y_true, scores, threshold):
    """AUROC, AUPRC and the confusion-based metrics of `scores > threshold`.

    Args:
        y_true: array-like of 0 (normal) / 1 (anomaly).
        scores: array-like of anomaly scores (higher = more anomalous).
        threshold: float. Rows scoring strictly above it are flagged.

    Returns:
        A JSON-ready dict. `auroc`/`auprc` are None when `y_true` holds one class
        (a validation set without anomalies), since they are undefined then.
    """
    y_true = np.asarray(y_true).astype(int).reshape(-1)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if y_true.shape != scores.shape:
        raise ValueError(f"`y_true` has {y_true.size} rows but `scores` has {scores.size}.")
    y_pred = (scores > threshold).astype(int)
    tn, fp, fn, tp = sk_metrics.confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    both_classes = len(np.unique(y_true)) == 2
    return {
        "n_rows": int(y_true.size),
        "n_anomalies": int(y_true.sum()),
        "threshold": float(threshold),
        "auroc": float(sk_metrics.roc_auc_score(y_true, scores)) if both_classes else None,
        "auprc": float(sk_metrics.average_precision_score(y_true, scores))
        if both_classes
        else None,
        "precision": float(tp / (tp + fp)) if tp + fp else 0.0,
        "recall": float(tp / (tp + fn)) if tp + fn else 0.0,
        "f1": float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 0.0,
        "false_positive_rate": float(fp / (fp + tn)) if fp + tn else 0.0,
        "accuracy": float((tp + tn) / y_true.size),
        "confusion_matrix": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
    }

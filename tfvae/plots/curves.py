"""ROC and precision-recall curves, one or several score sets on the same axes."""

import numpy as np
from sklearn import metrics as sk_metrics

from tfvae.plots._figure import finish, labels_or_none, pyplot


def _named(scores):
    if isinstance(scores, dict):
        return {str(k): np.asarray(v, dtype=np.float64).reshape(-1) for k, v in scores.items()}
    return {"model": np.asarray(scores, dtype=np.float64).reshape(-1)}


def _checked(labels, scores):
    named = _named(scores)
    sizes = {v.size for v in named.values()}
    if len(sizes) != 1:
        raise ValueError(f"All score arrays must have the same length; got {sorted(sizes)}.")
    labels = labels_or_none(labels, sizes.pop())
    if labels is None or len(np.unique(labels)) < 2:
        raise ValueError("ROC and PR curves need `labels` holding both 0 and 1.")
    return labels, named


def plot_roc_curve(labels, scores, path=None):
    """Plots ROC curves with their AUROC in the legend.

    Args:
        labels: array `[n]` of 0/1 (1 = anomaly).
        scores: array `[n]`, or a dict `{name: array}` to compare methods.
        path: optional str. Saves the PNG there (atomically).

    Returns:
        The matplotlib `Figure`.
    """
    labels, named = _checked(labels, scores)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 5))
    for name, values in named.items():
        fpr, tpr, _ = sk_metrics.roc_curve(labels, values)
        ax.plot(fpr, tpr, label=f"{name} (AUROC {sk_metrics.auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance")
    ax.set(
        xlabel="false-positive rate",
        ylabel="true-positive rate (recall)",
        title="ROC curve",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return finish(fig, path)


def plot_pr_curve(labels, scores, path=None):
    """Plots precision-recall curves with their AUPRC (average precision).

    Args:
        labels: array `[n]` of 0/1 (1 = anomaly).
        scores: array `[n]`, or a dict `{name: array}` to compare methods.
        path: optional str. Saves the PNG there (atomically).

    Returns:
        The matplotlib `Figure`.
    """
    labels, named = _checked(labels, scores)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 5))
    for name, values in named.items():
        precision, recall, _ = sk_metrics.precision_recall_curve(labels, values)
        ap = sk_metrics.average_precision_score(labels, values)
        ax.step(recall, precision, where="post", label=f"{name} (AUPRC {ap:.3f})")
    base = labels.mean()
    ax.axhline(base, color="grey", linestyle=":", label=f"chance ({base:.3f})")
    ax.set(
        xlabel="recall",
        ylabel="precision",
        title="Precision-recall curve",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return finish(fig, path)

"""Lazy matplotlib (Agg backend) and atomic PNG saving, shared by every plot."""

import os

from tfvae.atomic import atomic_path
from tfvae.extras import require_extra


def pyplot():
    """Imports `matplotlib.pyplot` on the non-interactive Agg backend.

    Raises:
        MissingExtraError: matplotlib is missing, with the install command.
    """
    matplotlib = require_extra("plots", "tfvae.plots draws with matplotlib")
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def finish(fig, path=None, dpi=110):
    """Tightens the layout, saves `fig` as PNG at `path` atomically (if given), returns it."""
    fig.tight_layout()
    if path is not None:
        path = os.fspath(path)
        if not path.lower().endswith(".png"):
            raise ValueError(f"Expected a path ending in `.png`. Received: path={path!r}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, format="png")
    return fig


def labels_or_none(labels, n, name="labels"):
    """Checks optional 0/1 labels against `n` rows and returns them as an int array."""
    import numpy as np

    if labels is None:
        return None
    labels = np.asarray(labels).reshape(-1)
    if labels.size != n:
        raise ValueError(f"`{name}` has {labels.size} entries but there are {n} rows.")
    if not set(np.unique(labels).tolist()) <= {0, 1}:
        raise ValueError(f"`{name}` must hold 0 (normal) / 1 (anomaly) only.")
    return labels.astype(int)

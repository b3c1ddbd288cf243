"""Image grids: inputs above their reconstructions, and the most anomalous inputs."""

import numpy as np

from tfvae.plots._figure import finish, pyplot


def _as_images(images, name):
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (3, 4)):
        raise ValueError(
            f"Expected `{name}` of shape [n, h, w], [n, h, w, 1] or [n, h, w, 3]. "
            f"Received: {images.shape}"
        )
    return np.clip(images, 0.0, 1.0) if images.ndim == 4 else images


def _show(ax, image):
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0.0, vmax=1.0)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_reconstructions(images, reconstructions, n=8, scores=None, path=None):
    """Shows `n` inputs (top row) above their reconstructions (bottom row).

    Args:
        images: array `[N, h, w(, c)]` with values in [0, 1].
        reconstructions: array of the same shape (`anomaly_scores(...)["reconstruction"]`).
        n: int. Number of columns (the first `n` images).
        scores: optional array `[N]`; each column is titled with its score.
        path: optional str. Saves the PNG there (atomically).

    Returns:
        The matplotlib `Figure`.
    """
    images, reconstructions = (
        _as_images(images, "images"),
        _as_images(reconstructions, "reconstructions"),
    )
    if images.shape != reconstructions.shape:
        raise ValueError(
            f"`images` {images.shape} and `reconstructions` {reconstructions.shape} differ."
        )
    n = min(int(n), len(images))
    plt = pyplot()
    fig, axes = plt.subplots(2, n, figsize=(1.3 * n + 0.8, 3.2), squeeze=False)
    for column in range(n):
        _show(axes[0, column], images[column])
        _show(axes[1, column], reconstructions[column])
        if scores is not None:
            axes[0, column].set_title(f"{float(scores[column]):.3g}", fontsize=8)
    axes[0, 0].set_ylabel("input")
    axes[1, 0].set_ylabel("reconstruction")
    fig.suptitle("Inputs vs reconstructions" + (" (title: score)" if scores is not None else ""))
    return finish(fig, path)


def plot_most_anomalous(images, scores, n=16, columns=8, path=None):
    """Shows the `n` highest-scoring images, most anomalous first, titled by score.

    Args:
        images: array `[N, h, w(, c)]` with values in [0, 1].
        scores: array `[N]` of anomaly scores.
        n: int. How many images.
        columns: int. Images per row.
        path: optional str. Saves the PNG there (atomically).

    Returns:
        The matplotlib `Figure`.
    """
    images = _as_images(images, "images")
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if scores.size != len(images):
        raise ValueError(f"`scores` has {scores.size} entries but there are {len(images)} images.")
    order = np.argsort(-np.nan_to_num(scores, nan=np.inf))[: min(int(n), len(images))]
    rows = int(np.ceil(len(order) / columns))
    plt = pyplot()
    fig, axes = plt.subplots(
        rows, columns, figsize=(1.3 * columns, 1.45 * rows + 0.5), squeeze=False
    )
    for ax in axes.ravel():
        ax.axis("off")
    for rank, index in enumerate(order):
        ax = axes.ravel()[rank]
        ax.axis("on")
        _show(ax, images[index])
        ax.set_title(f"#{rank + 1}: {scores[index]:.3g}", fontsize=8)
    fig.suptitle("Most anomalous inputs (rank: score)")
    return finish(fig, path)

"""2-D map of the latent space: PCA of the posterior means, coloured by label or score."""

import numpy as np
from sklearn.decomposition import PCA

from tfvae.plots._figure import finish, labels_or_none, pyplot


def plot_latent_map(z_mean, labels=None, scores=None, path=None, max_points=20000, seed=0):
    """Scatters the first two principal components of `z_mean`.

    Coloured by `labels` (normal vs anomaly) when given, else by `scores`. For an
    ensemble (`z_mean` of shape `[n, members, latent_dim]`) the map shows the first
    member: the members' latent spaces are unrelated, so they cannot be averaged.

    Args:
        z_mean: array `[n, latent_dim]` or `[n, members, latent_dim]` (from
            `anomaly_scores(...)["z_mean"]`).
        labels: optional array `[n]` of 0/1.
        scores: optional array `[n]` of anomaly scores (used when `labels` is None).
        path: optional str. Saves the PNG there (atomically).
        max_points: int. Larger inputs are subsampled (seeded) for a readable plot;
            the PCA is fit on all rows.
        seed: int. Seed of the subsample.

    Returns:
        The matplotlib `Figure`.
    """
    z = np.asarray(z_mean, dtype=np.float64)
    member = z.ndim == 3
    if member:
        z = z[:, 0]
    if z.ndim != 2 or z.shape[0] < 2:
        raise ValueError(
            f"Expected `z_mean` of shape [n >= 2, latent_dim] or [n >= 2, members, latent_dim]. "
            f"Received: {np.shape(z_mean)}"
        )
    labels = labels_or_none(labels, z.shape[0])
    if scores is not None:
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        if scores.size != z.shape[0]:
            raise ValueError(
                f"`scores` has {scores.size} entries but `z_mean` has {z.shape[0]} rows."
            )
    if z.shape[1] == 1:
        coords, ratio = np.c_[z, np.zeros(len(z))], (1.0, 0.0)
    else:
        pca = PCA(n_components=2, random_state=seed).fit(z)
        coords, ratio = pca.transform(z), pca.explained_variance_ratio_
    keep = np.arange(len(z))
    if len(z) > max_points:
        keep = np.sort(np.random.default_rng(seed).choice(len(z), max_points, replace=False))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 5))
    if labels is not None:
        for value, name, color in ((0, "normal", "tab:blue"), (1, "anomaly", "tab:red")):
            rows = keep[labels[keep] == value]
            ax.scatter(
                coords[rows, 0],
                coords[rows, 1],
                s=6,
                alpha=0.5,
                color=color,
                label=f"{name} (n={int((labels == value).sum())})",
            )
        ax.legend(markerscale=3)
    else:
        color = None if scores is None else scores[keep]
        points = ax.scatter(
            coords[keep, 0], coords[keep, 1], s=6, alpha=0.6, c=color, cmap="viridis"
        )
        if scores is not None:
            fig.colorbar(points, ax=ax, label="anomaly score")
    ax.set_xlabel(f"PC 1 of z_mean ({ratio[0]:.0%} of variance)")
    ax.set_ylabel(f"PC 2 of z_mean ({ratio[1]:.0%} of variance)")
    ax.set_title("Latent map (PCA of posterior means" + (", ensemble member 1)" if member else ")"))
    ax.grid(alpha=0.3)
    return finish(fig, path)

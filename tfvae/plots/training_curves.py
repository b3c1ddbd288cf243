"""Training curves: total, reconstruction and KL loss per epoch."""

from tfvae.plots._figure import finish, pyplot

PANELS = (("loss", "total loss"), ("reconstruction_loss", "reconstruction"), ("kl_loss", "KL"))


def plot_training_curves(history, path=None):
    """Plots the VAE's three losses per epoch, training and validation.

    Args:
        history: dict of lists (`VAEDetector.history_`, or `keras.callbacks.History`
            / its `.history`), with keys `loss`, `reconstruction_loss`, `kl_loss`
            and optionally their `val_` versions.
        path: optional str. Saves the figure there as PNG (atomically).

    Returns:
        The matplotlib `Figure`.

    Example:
    ```python
    plot_training_curves(detector.history_, "curves.png")
    ```
    """
    history = getattr(history, "history", history)
    missing = [key for key, _ in PANELS if key not in history]
    if missing:
        raise ValueError(f"`history` lacks {missing}; expected the metrics of a tfvae VAE fit.")
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, (key, title) in zip(axes, PANELS):
        epochs = range(1, len(history[key]) + 1)
        ax.plot(epochs, history[key], label="training", color="tab:blue")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], label="validation", color="tab:orange")
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss per example")
        ax.legend()
        ax.grid(alpha=0.3)
    return finish(fig, path)

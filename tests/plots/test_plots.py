import numpy as np
import pytest

from tfvae import plots

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def scored():
    rng = np.random.default_rng(0)
    labels = np.r_[np.zeros(80), np.ones(20)].astype(int)
    scores = np.r_[rng.gamma(2.0, 1.0, 80), rng.gamma(2.0, 1.0, 20) + 4.0]
    return labels, scores


def _is_png(path):
    return path.read_bytes()[:8] == PNG


def test_training_curves(tmp_path):
    history = {k: [3.0, 2.0, 1.5] for k in ("loss", "reconstruction_loss", "kl_loss", "val_loss")}
    fig = plots.plot_training_curves(history, tmp_path / "c.png")
    assert [ax.get_title() for ax in fig.axes] == ["total loss", "reconstruction", "KL"]
    assert len(fig.axes[0].lines) == 2 and len(fig.axes[1].lines) == 1
    assert _is_png(tmp_path / "c.png")
    with pytest.raises(ValueError, match="lacks"):
        plots.plot_training_curves({"loss": [1.0]})


def test_histogram_roc_pr(tmp_path, scored):
    labels, scores = scored
    fig = plots.plot_score_histogram(scores, labels, threshold=4.0, path=tmp_path / "h.png")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert sorted(legend) == ["anomaly (n=20)", "normal (n=80)", "threshold = 4"]
    roc = plots.plot_roc_curve(labels, {"a": scores, "b": -scores}, tmp_path / "r.png")
    texts = [t.get_text() for t in roc.axes[0].get_legend().get_texts()]
    assert texts[0].startswith("a (AUROC") and texts[1].startswith("b (AUROC")
    plots.plot_pr_curve(labels, scores, tmp_path / "p.png")
    assert all(_is_png(tmp_path / f) for f in ("h.png", "r.png", "p.png"))
    with pytest.raises(ValueError, match="both 0 and 1"):
        plots.plot_roc_curve(np.zeros(100), scores)
    with pytest.raises(ValueError, match="entries but there are"):
        plots.plot_score_histogram(scores, labels[:5])
    with pytest.raises(ValueError, match=".png"):
        plots.plot_score_histogram(scores, path=tmp_path / "h.jpg")


def test_latent_map(tmp_path, scored):
    labels, scores = scored
    z = np.random.default_rng(1).normal(size=(100, 4))
    fig = plots.plot_latent_map(z, labels=labels, path=tmp_path / "l.png")
    assert "PC 1" in fig.axes[0].get_xlabel() and _is_png(tmp_path / "l.png")
    by_score = plots.plot_latent_map(z, scores=scores)
    assert len(by_score.axes) == 2  # scatter + colour bar
    with pytest.raises(ValueError, match="z_mean"):
        plots.plot_latent_map(z[:, 0])
    # An ensemble's [n, members, latent] map shows its first member.
    members = np.stack([z, -5 * z], axis=1)
    ensemble = plots.plot_latent_map(members, labels=labels)
    assert "ensemble member 1" in ensemble.axes[0].get_title()
    first = plots.plot_latent_map(z, labels=labels)
    np.testing.assert_allclose(
        ensemble.axes[0].collections[0].get_offsets(), first.axes[0].collections[0].get_offsets()
    )


def test_image_grids(tmp_path):
    rng = np.random.default_rng(2)
    images = rng.uniform(size=(20, 8, 8, 1))
    fig = plots.plot_reconstructions(
        images, images * 0.5, n=5, scores=np.arange(20.0), path=tmp_path / "g.png"
    )
    assert len(fig.axes) == 10 and _is_png(tmp_path / "g.png")
    scores = np.arange(20.0)
    top = plots.plot_most_anomalous(images, scores, n=4, columns=4, path=tmp_path / "m.png")
    assert [ax.get_title() for ax in top.axes] == ["#1: 19", "#2: 18", "#3: 17", "#4: 16"]
    with pytest.raises(ValueError, match="differ"):
        plots.plot_reconstructions(images, images[:, :4])

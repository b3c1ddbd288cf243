# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Images: a convolutional VAE trained on one digit class
#
# One digit class is "normal"; every other digit is an anomaly. A convolutional VAE
# (`ConvEncoder`/`ConvDecoder`, Bernoulli likelihood on pixels in [0, 1]) learns the
# normal digits only; we score held-out normal digits and the other classes, compare
# the pixel error with a structural (SSIM) score, and generate anomalies by pushing
# latent codes away from the normal ones.
#
# Data: the MNIST test-set idx files in `../shared/data/mnist/`, read through the
# offline TFDS builder `tfvae_mnist_idx` (prepared under this notebook's run directory).
# Without them the notebook uses scikit-learn's bundled 8x8 digits.
# `TFVAE_NOTEBOOK_SMALL=1` (CI) trains for a few epochs on fewer images.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import keras
import numpy as np
import tensorflow as tf
from sklearn.metrics import roc_auc_score

import tfvae
from tfvae.evaluation.anomaly_generation import generate_anomalies
from tfvae.metrics import detection_metrics
from tfvae.plots import plot_most_anomalous, plot_reconstructions, plot_score_histogram
from tfvae.scoring.scores import score_in_batches
from tfvae.thresholds import PercentileThreshold

SMALL = os.environ.get("TFVAE_NOTEBOOK_SMALL") == "1"
SHARED = Path(os.environ.get("TFVAE_SHARED_DATA", Path.cwd().resolve().parents[1] / "shared" / "data"))
OUT = Path("runs/notebooks/02_images")
for old in OUT.glob("*.png"):  # the prepared TFDS data under OUT/tfds is kept and reused
    old.unlink()
OUT.mkdir(parents=True, exist_ok=True)
tf.get_logger().setLevel("ERROR")
NORMAL_DIGIT = 0

# %% [markdown]
# ## Data
# The TFDS builder reads the idx files from a *manual directory* (nothing is
# downloaded) and writes TFRecords under `data_dir`; later loads reuse them.

# %%
mnist = SHARED / "mnist"
if (mnist / "t10k-images-idx3-ubyte.gz").is_file():
    import tensorflow_datasets as tfds

    import tfvae.data.tfds_builders  # noqa: F401  (registers tfvae_mnist_idx)

    tfds.disable_progress_bar()

    ds = tfds.load(
        "tfvae_mnist_idx", split="test", as_supervised=True, data_dir=str(OUT / "tfds"),
        download_and_prepare_kwargs={"download_config": tfds.download.DownloadConfig(manual_dir=str(mnist))},
    )
    images, labels = next(iter(tfds.as_numpy(ds.batch(100_000))))
    images = images.astype(np.float32) / 255.0
    source = "MNIST test split via TFDS builder tfvae_mnist_idx"
else:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[..., None]
    labels = digits.target
    source = "scikit-learn 8x8 digits (../shared/data/mnist not found)"
print(f"{source}: {images.shape[0]} images of {images.shape[1:]}")

rng = np.random.default_rng(0)
normal = rng.permutation(np.flatnonzero(labels == NORMAL_DIGIT))
others = rng.permutation(np.flatnonzero(labels != NORMAL_DIGIT))
n_test_normal = len(normal) // 5
n_calibration = len(normal) // 10
test_idx = np.r_[normal[:n_test_normal], others[: (300 if SMALL else 2000)]]
calibration_idx = normal[n_test_normal : n_test_normal + n_calibration]
train_idx = normal[n_test_normal + n_calibration :]
x_train, x_calibration = images[train_idx], images[calibration_idx]
x_test, y_test, digit_test = images[test_idx], (labels[test_idx] != NORMAL_DIGIT).astype(int), labels[test_idx]
print(f"train {len(x_train)} / calibrate {len(x_calibration)} images of digit {NORMAL_DIGIT}; "
      f"test {len(x_test)} ({int(y_test.sum())} other digits)")

# %% [markdown]
# ## The model
# Two stride-2 convolutions down, two transposed convolutions up; the sigmoid output
# is the Bernoulli mean of every pixel, and the loss is the binary cross-entropy
# (negative log-likelihood) plus the KL term.

# %%
image_shape = x_train.shape[1:]
keras.utils.set_random_seed(0)
vae = tfvae.VAE(
    tfvae.ConvEncoder(latent_dim=8, filters=(32, 64)),
    tfvae.ConvDecoder(image_shape=image_shape, filters=(64, 32), output_activation="sigmoid"),
    likelihood="bernoulli", score_name="negative_elbo", seed=0,
)
vae.compile(optimizer=keras.optimizers.Adam(1e-3))
history = vae.fit(x_train, validation_data=(x_calibration,), epochs=6 if SMALL else 40,
                  batch_size=64, verbose=0)
print(f"{len(history.history['loss'])} epochs: loss {history.history['loss'][0]:.1f} -> "
      f"{history.history['loss'][-1]:.1f}, val_loss {history.history['val_loss'][-1]:.1f}")

# %% [markdown]
# ## Threshold and AUROC
# The threshold is the 99th percentile of the calibration digits' scores, stored in
# the model (`vae.threshold`), so saved and exported models carry it.

# %%
calibration_scores = score_in_batches(vae, x_calibration, keys=("score",))["score"]
vae.threshold.assign(PercentileThreshold(99).fit(calibration_scores).threshold_)
out = score_in_batches(vae, x_test, keys=("score", "reconstruction_error", "reconstruction", "is_anomaly"))
metrics = detection_metrics(y_test, out["score"], vae.threshold_value())
print(f"threshold {vae.threshold_value():.2f}")
print({k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)})
print("AUROC per other digit:", {int(d): round(roc_auc_score(
    y_test[(digit_test == d) | (y_test == 0)], out["score"][(digit_test == d) | (y_test == 0)]), 3)
    for d in np.unique(digit_test[y_test == 1])})

# %% [markdown]
# The per-digit AUROC shows which classes the model confuses with the normal one.
# With few epochs (SMALL mode) the digit 1 can even score *below* the normal
# digits: a thin stroke has few bright pixels, so little to get wrong.

# %%
fig = plot_score_histogram(out["score"], labels=y_test, threshold=vae.threshold_value(),
                           path=OUT / "score_histogram.png")
fig

# %% [markdown]
# ## Reconstructions
# Normal digits first, then other digits: the VAE redraws anything as something
# close to the digit it knows, which is why the error is high for the others.

# %%
show = np.r_[np.flatnonzero(y_test == 0)[:5], np.flatnonzero(y_test == 1)[:5]]
fig = plot_reconstructions(x_test[show], out["reconstruction"][show], n=10, scores=out["score"][show],
                           path=OUT / "reconstructions.png")
fig

# %%
fig = plot_most_anomalous(x_test, out["score"], n=16, columns=8, path=OUT / "most_anomalous.png")
fig

# %% [markdown]
# ## A structural score: SSIM
# Pixel-wise errors penalise a stroke shifted by one pixel as much as a missing
# one. SSIM compares local means, contrasts and structure; `1 - SSIM(input,
# reconstruction)` is an alternative anomaly score computed from the same
# reconstructions.

# %%
filter_size = 7 if image_shape[0] >= 28 else 3
ssim = tf.image.ssim(tf.constant(x_test), tf.constant(out["reconstruction"]), max_val=1.0,
                     filter_size=filter_size, filter_sigma=1.5 if filter_size == 7 else 0.5).numpy()
ssim_score = 1.0 - ssim
aurocs = {
    "negative ELBO (model score)": roc_auc_score(y_test, out["score"]),
    "pixel squared error": roc_auc_score(y_test, out["reconstruction_error"]),
    "1 - SSIM": roc_auc_score(y_test, ssim_score),
}
for name, value in aurocs.items():
    print(f"AUROC {name:28s} {value:.4f}")
print(f"Spearman correlation pixel error vs 1 - SSIM: "
      f"{np.corrcoef(np.argsort(np.argsort(out['reconstruction_error'])), np.argsort(np.argsort(ssim_score)))[0, 1]:.3f}")

# %% [markdown]
# ## Generated anomalies by latent perturbation
# `generate_anomalies(method="latent_shift")` encodes normal digits, moves each
# posterior mean `scale` prior standard deviations in a random direction and
# decodes. Small shifts stay digit-like; large ones leave the learned manifold.
# How does the model score them?

# %%
x_normal_test = x_test[y_test == 0]
normal_scores = out["score"][y_test == 0]
print(f"held-out normal digits: median score {np.median(normal_scores):.1f}, "
      f"{np.mean(normal_scores > vae.threshold_value()):.0%} flagged")
generated = {}
for scale in (1.0, 4.0, 8.0):
    fake = generate_anomalies(vae, 200, method="latent_shift", x_reference=x_normal_test, scale=scale, seed=0)
    fake_out = score_in_batches(vae, fake, keys=("score", "is_anomaly"))
    generated[scale] = (fake, fake_out["score"])
    auroc = roc_auc_score(np.r_[np.zeros(len(normal_scores)), np.ones(len(fake))],
                          np.r_[normal_scores, fake_out["score"]])
    print(f"scale {scale:3.0f}: median score {np.median(fake_out['score']):7.1f}, "
          f"{fake_out['is_anomaly'].mean():4.0%} flagged, AUROC vs normal {auroc:.3f}")

# %% [markdown]
# The decoded codes lie on the decoder's own output manifold by construction, so the
# VAE reconstructs them well: here latent shifts make blurred, fainter normal
# digits that score close to real ones and are rarely flagged (compare with the
# real other digits above). That is a useful check of what the model does *not*
# catch, but a poor stand-in for real anomalies. The 16 highest-scoring generated
# images at the largest shift:

# %%
fake, fake_scores = generated[8.0]
fig = plot_most_anomalous(fake, fake_scores, n=16, columns=8, path=OUT / "generated_anomalies.png")
fig

# %% [markdown]
# ## A GAN-based detector on the same digits
# `GANDetector` trains GANomaly (Akcay et al., 2018): an encoder, a generator and a
# second encoder against a discriminator, here with the same convolutional parts.
# It scores by how badly a digit comes back through encoder and generator
# (`reconstruction_error`), how differently the discriminator sees the digit and its
# regeneration (`feature_residual`), and their sum (`combined`, the default score). A
# run whose generator or discriminator collapsed is reported in `training_problems_`
# (here as a warning; by default it raises).

# %%
gan = tfvae.GANDetector(epochs=5 if SMALL else 50, on_failure="warn", seed=0).fit(x_train)
print("training problems:", gan.training_problems_ or "none")
gan_out = gan.score_details(x_test)
gan_reconstruction = gan.reconstruct(x_test[show])
gan_aurocs = {
    "VAE negative ELBO": roc_auc_score(y_test, out["score"]),
    "VAE pixel squared error": roc_auc_score(y_test, out["reconstruction_error"]),
    **{f"GAN {name}": roc_auc_score(y_test, gan_out[name])
       for name in ("combined", "reconstruction_error", "feature_residual", "latent_error")},
}
for name, value in gan_aurocs.items():
    print(f"AUROC {name:28s} {value:.4f}")

# %% [markdown]
# The same ten test digits as above, redrawn by the GAN's encoder and generator
# (titles: the GAN's score). The contextual L1 loss makes the GAN's redrawings
# sharper than the VAE's, but it too redraws other digits as the one it knows.

# %%
fig = plot_reconstructions(x_test[show], gan_reconstruction, n=10, scores=gan_out["score"][show],
                           path=OUT / "gan_reconstructions.png")
fig

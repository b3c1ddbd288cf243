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
# # Time series: sliding-window VAE on a NAB series
#
# We cut a univariate series into overlapping windows, train a VAE on the windows
# (unsupervised: all windows, labels unused), and map the window scores back to
# timesteps two ways: one score per window spread over the timesteps it covers,
# and the per-position reconstruction error of each timestep. The labelled NAB
# anomaly windows are used only to evaluate.
#
# Data: `../shared/data/nab/` (NAB realKnownCause, MIT licence). Without it the
# notebook falls back to a synthetic daily-cycle series with injected anomalies.
# Set `TFVAE_NOTEBOOK_SMALL=1` for a quick run (CI does).

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import tfvae
from tfvae.timeseries import load_nab_series, sliding_windows, window_scores_to_timesteps

SMALL = os.environ.get("TFVAE_NOTEBOOK_SMALL") == "1"
SHARED = Path(os.environ.get("TFVAE_SHARED_DATA", Path.cwd().resolve().parents[1] / "shared" / "data"))
OUT = Path("runs/notebooks/03_time_series")
OUT.mkdir(parents=True, exist_ok=True)

# %%
nab = SHARED / "nab"
if nab.is_dir():
    frame = load_nab_series(nab / "realKnownCause" / "nyc_taxi.csv", nab / "labels" / "combined_windows.json")
    source = "NAB realKnownCause/nyc_taxi.csv (taxi passengers per 30 min)"
else:
    rng = np.random.default_rng(0)
    t = np.arange(6000)
    values = 10 + 5 * np.sin(2 * np.pi * t / 48) + rng.normal(0, 0.5, t.size)
    in_window = np.zeros(t.size, int)
    for start in (2000, 4500):
        values[start : start + 60] += rng.normal(0, 6, 60)
        in_window[start - 100 : start + 160] = 1
    frame = pd.DataFrame({"timestamp": pd.date_range("2024-01-01", periods=t.size, freq="30min"),
                          "value": values, "in_window": in_window})
    source = "synthetic daily cycle (../shared/data/nab not found)"
print(source, "|", len(frame), "timesteps |", int(frame["in_window"].sum()), "inside labelled windows")

# %% [markdown]
# One window = one day (48 half-hours). The series is standardised with its own
# mean and standard deviation before windowing; the detector then standardises each
# window position inside the model.

# %%
WINDOW, STRIDE = 48, 1
values = frame["value"].to_numpy(dtype=np.float64)
scaled = (values - values.mean()) / values.std()
windows = sliding_windows(scaled, WINDOW, STRIDE)
print("windows:", windows.shape)

detector = tfvae.VAEDetector(
    latent_dim=4, hidden_units=(64, 32), epochs=5 if SMALL else 60, batch_size=128, seed=0
)
detector.fit(windows)
print("epochs run:", len(detector.history_["loss"]), "| threshold:", round(detector.threshold_, 3))

# %%
window_score = detector.score_samples(windows)
position_errors = detector.feature_scores(windows).to_numpy()  # [n_windows, WINDOW]

per_window = window_scores_to_timesteps(window_score, len(frame), WINDOW, STRIDE, reduce="mean")
per_timestep = window_scores_to_timesteps(position_errors, len(frame), WINDOW, STRIDE, reduce="mean")

labels = frame["in_window"].to_numpy()
covered = ~np.isnan(per_window)
auroc_window = roc_auc_score(labels[covered], per_window[covered])
auroc_step = roc_auc_score(labels[covered], per_timestep[covered])
print(f"timestep AUROC vs labelled windows: window score {auroc_window:.3f}, "
      f"per-timestep error {auroc_step:.3f}")

# %%
fig, axes = plt.subplots(3, 1, figsize=(12, 7), sharex=True)
time = frame["timestamp"]
axes[0].plot(time, values, lw=0.6, color="tab:blue", label="value")
axes[1].plot(time, per_window, lw=0.8, color="tab:orange", label="window score (mean over covering windows)")
axes[2].plot(time, per_timestep, lw=0.8, color="tab:red", label="per-timestep reconstruction error")
for ax in axes:
    ymin, ymax = ax.get_ylim()
    ax.fill_between(time, ymin, ymax, where=labels == 1, color="grey", alpha=0.25,
                    label="labelled anomaly window")
    ax.set_ylim(ymin, ymax)
    ax.legend(loc="upper left", fontsize=8)
axes[0].set_ylabel("value")
axes[1].set_ylabel("negative ELBO")
axes[2].set_ylabel("squared error")
axes[2].set_xlabel("time")
fig.suptitle(source)
fig.tight_layout()
fig.savefig(OUT / "scores_over_time.png", dpi=100)
plt.show()

# %% [markdown]
# Timesteps above the detector's threshold (the 99th percentile of held-out window
# scores), counted per labelled window:

# %%
flagged = window_scores_to_timesteps(detector.predict(windows).astype(float), len(frame),
                                     WINDOW, STRIDE, reduce="max")
for start, end in frame.attrs.get("windows", []):
    inside = (time >= start) & (time <= end)
    print(f"{start:%Y-%m-%d} .. {end:%Y-%m-%d}: {int(np.nansum(flagged[inside]))} of {int(inside.sum())} timesteps flagged")
print("flagged outside windows:", int(np.nansum(flagged[labels == 0])), "of", int((labels == 0).sum()))

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
# # Tabular data: raw KDD Cup 99 rows in, per-column anomaly scores out
#
# `TabularVAEDetector` takes a raw DataFrame (string and numeric columns) and puts
# the preprocessing *inside* the Keras model: standardisation, log of heavy-tailed
# counts, one-hot categories with an out-of-vocabulary slot. The saved or exported
# model therefore scores raw rows by column name. We train on normal connections,
# set the threshold at the 99th percentile of held-out normal scores, measure on
# normal + attack rows, look at which columns make the worst rows anomalous, and
# export for TF Serving.
#
# Data: `../shared/data/kddcup99/` (KDD Cup 1999 10% file). Without it the notebook
# falls back to a small synthetic mixed numeric/categorical table.
# `TFVAE_NOTEBOOK_SMALL=1` (CI) uses a sample of rows and a few epochs.

# %%
import json
import os
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import tensorflow as tf

import tfvae
from tfvae.preprocessing import to_columns
from tfvae.data.kddcup99 import classic_split, load_kddcup99
from tfvae.evaluation import evaluate
from tfvae.export import export_model
from tfvae.metrics import detection_metrics
from tfvae.plots import plot_latent_map, plot_score_histogram
from tfvae.scoring.scores import score_in_batches

SMALL = os.environ.get("TFVAE_NOTEBOOK_SMALL") == "1"
SHARED = Path(os.environ.get("TFVAE_SHARED_DATA", Path.cwd().resolve().parents[1] / "shared" / "data"))
OUT = Path("runs/notebooks/01_tabular_kddcup99")
shutil.rmtree(OUT, ignore_errors=True)
OUT.mkdir(parents=True)
pd.set_option("display.width", 140)
tf.get_logger().setLevel("ERROR")  # quiet tf.function retracing notes

# %% [markdown]
# ## Data
# The classic split: train on the first 80% of the `normal.` rows, test on the other
# 20% plus as many attack rows. In SMALL mode a random sample of the file is split
# the same way.

# %%
def synthetic_table(n, seed=0):
    """Mixed numeric/categorical rows; anomalies have odd values and rare categories."""
    rng = np.random.default_rng(seed)
    protocol = rng.choice(["tcp", "udp", "icmp"], n, p=[0.7, 0.2, 0.1])
    frame = pd.DataFrame({
        "duration": rng.exponential(2.0, n),
        "protocol_type": protocol,
        "service": np.where(protocol == "tcp", rng.choice(["http", "smtp", "ftp"], n), "private"),
        "src_bytes": rng.lognormal(6, 1, n),
        "dst_bytes": rng.lognormal(8, 1, n),
        "count": rng.poisson(10, n).astype(float),
        "same_srv_rate": rng.beta(8, 2, n),
    })
    frame["dst_bytes"] *= 1 + (frame["service"] == "http")  # a dependence for the model to learn
    return frame


kdd_file = SHARED / "kddcup99" / "kddcup.data_10_percent.gz"
if kdd_file.is_file():
    raw = load_kddcup99(kdd_file)
    source = f"KDD Cup 99 10% file ({len(raw):,} rows)"
    if SMALL:
        raw = raw.sample(30000, random_state=0).sort_index()
        source += f", SMALL sample of {len(raw):,} rows"
    train_df, test_df, y_test = classic_split(raw, seed=0)
else:
    n = 2000 if SMALL else 8000
    normal = synthetic_table(n + n // 5, seed=0)
    attacks = synthetic_table(n // 5, seed=1)
    attacks["src_bytes"] *= np.random.default_rng(2).choice([0.001, 100.0], len(attacks))
    attacks["protocol_type"] = "icmp"
    attacks["service"] = "ecr_i"  # a category never seen in training -> OOV slot
    train_df = normal.iloc[:n].reset_index(drop=True)
    test_df = pd.concat([normal.iloc[n:], attacks], ignore_index=True)
    y_test = np.r_[np.zeros(n // 5, int), np.ones(len(attacks), int)]
    source = "SYNTHETIC mixed table (../shared/data/kddcup99 not found)"
print(source)
print(f"train {len(train_df):,} normal rows | test {len(test_df):,} rows, {int(y_test.sum()):,} attacks")
print(train_df.dtypes.value_counts().to_dict())
train_df.head(3)

# %% [markdown]
# ## Fit: preprocessing is part of the model
# `fit` adapts a `TabularPreprocessor` on the training rows, builds the VAE around it
# and keeps 10% of the rows aside for early stopping and for the 99th-percentile
# threshold.

# %%
detector = tfvae.TabularVAEDetector(
    epochs=3 if SMALL else 20, batch_size=256, threshold_percentile=99.0, seed=0,
)
detector.fit(train_df)
print(f"{len(detector.history_['loss'])} epochs, final loss {detector.history_['loss'][-1]:.3f}, "
      f"val_loss {detector.history_.get('val_loss', [float('nan')])[-1]:.3f}")
print(f"threshold (99th percentile of held-out normal scores): {detector.threshold_:.3f}")

# %% [markdown]
# The feature spec (what the preprocessor learned, saved next to exported models)
# lists each raw column, its kind and its encoding. The first few columns:

# %%
spec = detector.preprocessor_.feature_spec()
brief = {"format": spec["format"], "n_encoded": spec["n_encoded"],
         "columns": [spec["columns"][i] for i in (0, 1, 4)],  # a numeric, a categorical, another numeric
         "encoded_names": spec["encoded_names"][:8] + ["..."]}
print(json.dumps(brief, indent=1, default=str))
print(f"{len(detector.preprocessor_.column_names)} raw columns -> {detector.preprocessor_.output_dim} model features")

# %% [markdown]
# ## Metrics at the threshold

# %%
scores = detector.score_samples(test_df)
metrics = detection_metrics(y_test, scores, detector.threshold_)
print(json.dumps({k: v for k, v in metrics.items() if not isinstance(v, (dict, list))}, indent=1))

# %% [markdown]
# `tfvae.evaluation.evaluate` computes the same metrics, the AUROC of every score
# (ELBO, reconstruction error, KL) and writes a report with plots.

# %%
report = evaluate(detector, test_df, y_test, out_dir=OUT / "evaluation", plots=False)
print("AUROC by score:", {k: round(v, 4) for k, v in report["auroc_by_score"].items()})
print("written:", sorted(p.name for p in (OUT / "evaluation").iterdir()))

# %% [markdown]
# ## Score histogram and latent map

# %%
fig = plot_score_histogram(scores, labels=y_test, threshold=detector.threshold_,
                           path=OUT / "score_histogram.png")
fig

# %%
# `to_columns` turns a DataFrame into the dict of named arrays the model takes.
details = score_in_batches(detector.model_, to_columns(test_df, detector.preprocessor_), keys=("z_mean",))
fig = plot_latent_map(details["z_mean"], labels=y_test, path=OUT / "latent_map.png")
fig

# %% [markdown]
# ## Which columns make a row anomalous?
# `feature_scores` gives the squared reconstruction error per *original* column
# (one-hot groups summed back into their column). For the five highest-scoring test
# rows, the three worst columns. Errors are in standardised units, so a rare binary
# flag (`land`, `root_shell`) that fires contributes a very large error: exactly the
# column an analyst should look at.

# %%
top = np.argsort(scores)[::-1][:5]
per_column = detector.feature_scores(test_df.iloc[top])
summary = pd.DataFrame({
    "score": scores[top].round(1),
    "is_attack": y_test[top],
    "worst columns": [", ".join(f"{c} ({v:.0f})" for c, v in row.nlargest(3).items())
                      for _, row in per_column.iterrows()],
}, index=test_df.index[top])
print(summary.to_string())
per_column.round(2).iloc[:, :8]

# %% [markdown]
# ## Export and call `score_raw` with raw columns
# Exported models with a preprocessor get a `score_raw` signature taking one named
# input per raw column (strings stay strings), so a client sends rows as they are.

# %%
result = export_model(detector, OUT / "export", name="kddcup99", formats="savedmodel")
loaded = tf.saved_model.load(result.saved_model_dir)
score_raw = loaded.signatures["score_raw"]
inputs = score_raw.structured_input_signature[1]
print("score_raw inputs :", {k: v.dtype.name for k, v in list(inputs.items())[:6]}, f"... ({len(inputs)} in all)")
print("score_raw outputs:", sorted(score_raw.structured_outputs))

rows = test_df.iloc[top]
feed = {name: tf.constant(values) for name, values in to_columns(rows, detector.preprocessor_).items()}
print("one request row:", {k: feed[k].numpy()[0] for k in ("duration", "protocol_type", "service", "src_bytes")
                           if k in feed})
served = score_raw(**feed)
print("served scores:", served["score"].numpy().round(2))
print("Keras scores :", scores[top].round(2))
print("is_anomaly   :", served["is_anomaly"].numpy())

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
# # Deploy: SavedModel for TF Serving, `.tflite` for mobile/edge
#
# Train a detector, export it as a TF Serving version directory plus TFLite files,
# look at the signatures, call them the way TF Serving and a phone would, and check
# that every path gives the Keras scores. Offline, on scikit-learn's bundled
# breast-cancer table. `TFVAE_NOTEBOOK_SMALL=1` trains for fewer epochs (CI).

# %%
import json
import os
import shutil
from pathlib import Path

import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

import tfvae
from tfvae.data.breast_cancer import demo_split
from tfvae.export import export_model

SMALL = os.environ.get("TFVAE_NOTEBOOK_SMALL") == "1"
OUT = Path("runs/notebooks/04_deploy")
shutil.rmtree(OUT, ignore_errors=True)

x_train, x_test, y_test = demo_split(seed=0)
detector = tfvae.VAEDetector(epochs=10 if SMALL else 100, seed=0).fit(x_train)
print(f"threshold {detector.threshold_:.3f} on {detector.n_features_in_} features")

# %% [markdown]
# ## Export
# One call writes `<out>/<name>/<version>/` atomically (a temporary directory renamed
# into place), the layout TF Serving watches. The threshold is a variable in the
# SavedModel: re-export with `threshold=` to move it, no retraining.

# %%
result = export_model(detector, OUT, name="breast_cancer",
                      formats="savedmodel,tflite", quantize="none,float16,dynamic")
print("version directory:", result.version_dir)
for path, size in result.sizes.items():
    print(f"  {Path(path).relative_to(OUT)}: {size / 1024:.0f} KiB")
keys = ("input_width", "threshold", "threshold_calibration", "score_name", "score_definition")
print(json.dumps({k: result.metadata[k] for k in keys}, indent=1, default=str))

# %% [markdown]
# ## The signatures, as `saved_model_cli show` lists them

# %%
loaded = tf.saved_model.load(result.saved_model_dir)
for name, fn in loaded.signatures.items():
    inputs = {k: (v.dtype.name, v.shape.as_list()) for k, v in fn.structured_input_signature[1].items()}
    outputs = {k: (v.dtype.name, v.shape.as_list()) for k, v in fn.structured_outputs.items()}
    print(f"{name}\n  in : {inputs}\n  out: {outputs}")

# %% [markdown]
# ## Calling it as TF Serving would
# The REST body for `POST /v1/models/breast_cancer:predict` names the signature;
# TF Serving feeds `instances` to the signature's `features` input:

# %%
rows = x_test.to_numpy(np.float32)
request = {"signature_name": "score", "instances": rows[:2].astype(float).round(3).tolist()}
print(json.dumps(request)[:300], "...")
served = loaded.signatures["score"](features=tf.constant(rows))
keras_scores = detector.score_samples(x_test)
print("max |SavedModel - Keras| score:", float(np.max(np.abs(served["score"].numpy() - keras_scores))))
print("is_anomaly identical:", bool(np.array_equal(served["is_anomaly"].numpy(), detector.predict(x_test) == 1)))

# %% [markdown]
# Rows with NaN/inf are not mistaken for normal ones: `valid` is false and
# `is_anomaly` true.

# %%
broken = rows[:3].copy()
broken[1, 4] = np.nan
out = loaded.signatures["score"](features=tf.constant(broken))
print("valid:", out["valid"].numpy(), "is_anomaly:", out["is_anomaly"].numpy())

# %% [markdown]
# ## TFLite with the LiteRT interpreter
# Same signature and output names; no Flex ops. One row per invoke, as on a device.

# %%
for variant, path in result.tflite_files.items():
    interpreter = Interpreter(model_path=path)
    runner = interpreter.get_signature_runner("score")
    tflite_scores = np.concatenate([runner(features=row[None])["score"] for row in rows])
    rel = np.max(np.abs(tflite_scores - keras_scores) / np.maximum(np.abs(keras_scores), 1e-6))
    print(f"{variant:8s} {os.path.getsize(path) / 1024:5.0f} KiB  max relative score error {rel:.1e}")

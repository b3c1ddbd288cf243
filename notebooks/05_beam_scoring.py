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
# # Batch scoring with Apache Beam (and the fast `tfvae score`)
#
# Score sharded CSV/Parquet files with an export version folder on Apache Beam's
# `RunInference`: each row keeps its key (file and line), rows that cannot be read go
# to a dead-letter output with file, line and reason, and nothing is lost. The same
# pipeline runs on the DirectRunner here and on Dataflow, Flink or Spark with the
# standard Beam options. Offline, on scikit-learn's bundled breast-cancer table;
# needs `pip install tfvae[beam]`. `TFVAE_NOTEBOOK_SMALL=1` trains for fewer epochs (CI).

# %%
import glob
import os
import shutil
from pathlib import Path

import apache_beam as beam
import numpy as np
import pandas as pd
from apache_beam.ml.inference.base import KeyedModelHandler, RunInference

import tfvae
from tfvae.beam import ExportModelHandler, ScoreTables, score_files
from tfvae.data.table_scoring import score_table
from tfvae.demo import demo_split
from tfvae.export import export_model

# Inside Jupyter, Beam 2.77 loads its interactive helpers, which need pandas < 2.4
# (its `interactive` extra); with pandas 3 they fail on import. Pipelines do not need
# them: tell Beam this is not an interactive session.
import apache_beam.utils.interactive_utils  # noqa: E402

apache_beam.utils.interactive_utils.is_in_ipython = lambda: False

SMALL = os.environ.get("TFVAE_NOTEBOOK_SMALL") == "1"
OUT = Path("runs/notebooks/05_beam_scoring")
shutil.rmtree(OUT, ignore_errors=True)

x_train, x_test, y_test = demo_split(seed=0)
detector = tfvae.VAEDetector(epochs=10 if SMALL else 100, seed=0).fit(x_train)
version_dir = export_model(
    detector, OUT / "export", name="breast_cancer", formats="savedmodel"
).version_dir
print("export version:", version_dir)

# %% [markdown]
# ## Shards to score
# Three CSV shards of the held-out rows (with their label column, which the model
# does not read), and two broken rows in the last shard: one with too few fields,
# one with a value that is not a number.

# %%
shards = OUT / "shards"
shards.mkdir(parents=True)
table = x_test.assign(is_anomaly=y_test)
for i, start in enumerate(range(0, len(table), -(-len(table) // 3))):
    table.iloc[start : start + -(-len(table) // 3)].to_csv(shards / f"part-{i}.csv", index=False)
with open(shards / "part-2.csv", "a") as handle:
    handle.write("1.0,2.0,3.0\n")
    handle.write(",".join(["abc"] + ["1"] * (table.shape[1] - 1)) + "\n")
n_rows = len(table) + 2
print(f"{n_rows} data rows in {len(list(shards.glob('*.csv')))} shards")

# %% [markdown]
# ## The handler in a pipeline of your own
# `ExportModelHandler` loads the version folder once per worker with
# `tf.saved_model.load` and calls its `score` signature (`score_raw` for raw-column
# models) on batches `RunInference` forms; `KeyedModelHandler` carries each row's key.

# %%
handler = ExportModelHandler(str(version_dir), max_batch_size=256)
rows = [(f"row-{i}", x.astype(np.float32)) for i, x in enumerate(x_test.to_numpy()[:5])]
with beam.Pipeline() as pipeline:
    (
        pipeline
        | beam.Create(rows)
        | RunInference(KeyedModelHandler(handler))
        | beam.Map(
            lambda kv: print(
                kv[0], {k: round(v, 4) if isinstance(v, float) else v for k, v in kv[1].items()}
            )
        )
    )

# %% [markdown]
# `ScoreTables` does the reading too: file patterns in, scored records and dead letters out.

# %%
with beam.Pipeline() as pipeline:
    outputs = pipeline | beam.Create([str(shards / "*.csv")]) | ScoreTables(handler)
    outputs["dead_letter"] | "print dead letters" >> beam.Map(print)

# %% [markdown]
# ## The whole job: `score_files` (what `tfvae beam-score` runs)
# Without `--runner` it runs the DirectRunner with one worker process per core; pass
# `["--runner=DataflowRunner", "--project=...", "--region=...", "--temp_location=gs://..."]`
# (or Flink/Spark options) to run the same pipeline on a cluster.

# %%
summary = score_files(str(version_dir), str(shards / "*.csv"), str(OUT / "scores" / "run"))
print(summary)
assert summary["rows"] == n_rows == summary["scored"] + summary["dead_letter"]

scores = pd.concat(
    pd.read_parquet(p) for p in glob.glob(str(OUT / "scores" / "run-scores-*.parquet"))
)
dead = pd.concat(
    pd.read_parquet(p) for p in glob.glob(str(OUT / "scores" / "run-dead_letter-*.parquet"))
)
print(scores.sort_values(["file", "line"])[["line", "score", "kl", "is_anomaly"]].head())
print(dead[["line", "reason"]])

# %% [markdown]
# The Beam scores are the Keras scores (the export calls the same `anomaly_scores`):

# %%
keras_scores = detector.score_samples(x_test)
beam_scores = scores.sort_values(["file", "line"])["score"].to_numpy()
print("largest difference:", float(np.max(np.abs(beam_scores - keras_scores))))
print("flagged:", int(scores["is_anomaly"].sum()), "of", len(scores))

# %% [markdown]
# ## One machine: the fast `tfvae score`
# For a file a single machine can handle, `tfvae score` (here its library function)
# parses the table with pyarrow on every core, scores large batches with the traced
# scorer and streams the output; bad rows keep their line numbers.

# %%
report = score_table(detector, shards / "part-2.csv", OUT / "part-2.scores.csv")
print({k: report[k] for k in ("rows", "scored", "n_errors", "ignored_columns")})
print(report["errors"])

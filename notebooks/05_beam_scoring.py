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
# Score sharded CSV/Parquet files with an export version folder on Apache Beam. Rows
# travel in blocks of a few thousand, each scored in one call of the export's signature
# with its keys (file and line) alongside; every row that cannot be read is one record
# in a dead-letter output with file, line and reason, and nothing is lost. The same
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
from tfvae.scoring.tables import score_table
from tfvae.data.breast_cancer import demo_split
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
# does not read), and three broken rows in the last shard: one with too few fields,
# one with a value that is not a number, one line of binary garbage.

# %%
shards = OUT / "shards"
shards.mkdir(parents=True)
table = x_test.assign(is_anomaly=y_test)
for i, start in enumerate(range(0, len(table), -(-len(table) // 3))):
    table.iloc[start : start + -(-len(table) // 3)].to_csv(shards / f"part-{i}.csv", index=False)
with open(shards / "part-2.csv", "ab") as handle:
    handle.write(b"1.0,2.0,3.0\n")
    handle.write(",".join(["abc"] + ["1"] * (table.shape[1] - 1)).encode() + b"\n")
    handle.write(b"\xff\xfe\x00\x1b[2J garbage\n")
n_rows = len(table) + 3
print(f"{n_rows} data rows in {len(list(shards.glob('*.csv')))} shards")

# %% [markdown]
# ## The handler in a pipeline of your own
# `ExportModelHandler` loads the version folder once per worker with
# `tf.saved_model.load` and calls its `score` signature (`score_raw` for raw-column
# models) once per element, and each element is a block of rows: `RunInference` is
# given blocks, and `KeyedModelHandler` carries each block's key. `check()` loads the
# export once where the pipeline is built, so a broken export fails here, not in the
# workers.

# %%
handler = ExportModelHandler(str(version_dir)).check()
x = x_test.to_numpy(np.float32)
blocks = [(f"rows {i}-{i + 4}", x[i : i + 5]) for i in (0, 5)]
with beam.Pipeline() as pipeline:
    (
        pipeline
        | beam.Create(blocks)
        | RunInference(KeyedModelHandler(handler))
        | beam.Map(lambda kv: print(kv[0], "score:", np.round(kv[1]["score"], 3)))
    )

# %% [markdown]
# `ScoreTables` does the reading too: file patterns in, blocks of scores (pyarrow
# tables with the keys) and dead letters out. One record per bad row, the reason
# printable whatever bytes the line held.

# %%
with beam.Pipeline() as pipeline:
    outputs = pipeline | beam.Create([str(shards / "*.csv")]) | ScoreTables(handler)
    (
        outputs["dead_letter"]
        | "rows" >> beam.FlatMap(lambda table: table.to_pylist())
        | "print dead letters" >> beam.Map(print)
    )

# %% [markdown]
# ## The whole job: `score_files` (what `tfvae beam-score` runs)
# Without `--runner` it runs the DirectRunner with one worker thread per core; pass
# `["--runner=DataflowRunner", "--project=...", "--region=...", "--temp_location=gs://..."]`
# (or Flink/Spark options) to run the same pipeline on a cluster.

# %%
summary = score_files(str(version_dir), str(shards / "*.csv"), str(OUT / "scores" / "run"))
print(summary)
assert summary["rows"] == n_rows == summary["scored"] + summary["bad_rows"]

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

"""Batch scoring past one machine with Apache Beam (`pip install tfvae[beam]`).

Rows travel in blocks. `ExportModelHandler` is a Beam `ModelHandler` for an export
version folder (written by `tfvae export` / `tfvae.export.export_model`) that scores a
block per signature call, for `RunInference` with `KeyedModelHandler`. `ReadBlocks` cuts
CSV/Parquet files into keyed blocks plus one dead letter per bad row; `ScoreTables` reads
and scores them; `score_files` runs the whole job (`tfvae beam-score`). Importing `tfvae`
never imports Apache Beam; importing `tfvae.beam` without it raises `MissingExtraError`,
whose message names the `pip install` to run.
"""

from tfvae.extras import require_extra

require_extra("beam", "tfvae.beam runs on Apache Beam")

from tfvae.beam.export_model_handler import ExportModelHandler  # noqa: E402
from tfvae.beam.pipeline import ScoreTables, score_files  # noqa: E402
from tfvae.beam.read_blocks import ReadBlocks  # noqa: E402

__all__ = ["ExportModelHandler", "ReadBlocks", "ScoreTables", "score_files"]

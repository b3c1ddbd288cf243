"""Batch scoring past one machine with Apache Beam (`pip install tfvae[beam]`).

`ExportModelHandler` is a Beam `ModelHandler` for an export version folder (written
by `tfvae export` / `tfvae.export.export_model`), used with `RunInference` and
`KeyedModelHandler` so each row keeps its key. `ScoreTables` reads CSV/Parquet shards
into keyed rows plus a dead-letter output; `score_files` runs the whole pipeline
(`tfvae beam-score`). Importing `tfvae` never imports Apache Beam.
"""

try:
    import apache_beam  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "tfvae.beam needs Apache Beam, an optional extra: pip install tfvae[beam]"
    ) from error

from tfvae.beam.export_model_handler import ExportModelHandler
from tfvae.beam.pipeline import ScoreTables, score_files

__all__ = ["ExportModelHandler", "ScoreTables", "score_files"]

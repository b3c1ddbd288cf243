"""Batch scoring past one machine with Apache Beam (`pip install tfvae[beam]`).

Rows travel in blocks. `ExportModelHandler` is a Beam `ModelHandler` for an export
version folder (written by `tfvae export` / `tfvae.export.export_model`) that scores a
block per signature call, for `RunInference` with `KeyedModelHandler`. `ReadBlocks` cuts
CSV/Parquet files into keyed blocks plus one dead letter per bad row; `ScoreTables` reads
and scores them; `score_files` runs the whole job (`tfvae beam-score`). Importing `tfvae`
never imports Apache Beam, and this package imports it only when one of these names is
used.
"""

import importlib

MISSING_BEAM = "tfvae.beam needs Apache Beam, an optional extra: pip install tfvae[beam]"

_EXPORTS = {
    "ExportModelHandler": "tfvae.beam.export_model_handler",
    "ReadBlocks": "tfvae.beam.read_blocks",
    "ScoreTables": "tfvae.beam.pipeline",
    "score_files": "tfvae.beam.pipeline",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tfvae.beam' has no attribute {name!r}")
    try:
        import apache_beam  # noqa: F401
    except ImportError as error:
        raise ImportError(MISSING_BEAM) from error
    return getattr(importlib.import_module(_EXPORTS[name]), name)

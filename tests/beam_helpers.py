"""Runs `ScoreTables` on a `TestPipeline` for the Beam tests."""

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline


def score_tables(patterns, version_dir, **kwargs):
    """`(pipeline, score rows, dead-letter rows)`: `ScoreTables` on a `TestPipeline`, its
    output blocks flattened to dicts (one per row) for `assert_that`."""
    from tfvae.beam import ExportModelHandler, ScoreTables

    handler = ExportModelHandler(version_dir, feature_errors=kwargs.pop("feature_errors", False))
    pipeline = TestPipeline()
    outputs = pipeline | beam.Create(patterns) | ScoreTables(handler, **kwargs)
    rows = outputs["scores"] | "score rows" >> beam.FlatMap(lambda table: table.to_pylist())
    dead = outputs["dead_letter"] | "dead rows" >> beam.FlatMap(lambda table: table.to_pylist())
    return pipeline, rows, dead

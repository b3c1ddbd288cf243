import numpy as np
import pandas as pd
import pytest

beam = pytest.importorskip("apache_beam")

from apache_beam.testing.test_pipeline import TestPipeline  # noqa: E402
from apache_beam.testing.util import assert_that, equal_to  # noqa: E402
from helpers import gaussian_blobs  # noqa: E402
from table_helpers import mixed_frame  # noqa: E402

from tfvae import anomaly_scores  # noqa: E402
from tfvae.beam import ExportModelHandler, ScoreTables  # noqa: E402
from tfvae.cli import main  # noqa: E402
from tfvae.data import to_columns  # noqa: E402
from tfvae.detectors import TabularVAEDetector, VAEDetector  # noqa: E402
from tfvae.export import export_model  # noqa: E402

COLUMNS = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def numeric(tmp_path_factory):
    frame = pd.DataFrame(gaussian_blobs(200, 4), columns=COLUMNS)
    detector = VAEDetector(epochs=1, hidden_units=(8,), latent_dim=2).fit(frame)
    result = export_model(detector, tmp_path_factory.mktemp("ex"), name="num", formats="savedmodel")
    return frame, detector, result.version_dir


def _scores_match(expected):
    """A matcher: each `(key, score, kl)` equals the Keras scores of its row within 1e-5."""

    def check(actual):
        assert sorted(r[0] for r in actual) == sorted(expected)
        for key, score, kl in actual:
            np.testing.assert_allclose([score, kl], expected[key], rtol=1e-5, atol=1e-5)

    return check


def _run(version_dir, pattern, **kwargs):
    pipeline = TestPipeline()
    outputs = (
        pipeline | beam.Create([pattern]) | ScoreTables(ExportModelHandler(version_dir, **kwargs))
    )
    return pipeline, outputs


def test_numeric_scores_equal_keras_and_bad_rows_go_to_the_dead_letter(tmp_path, numeric):
    frame, detector, version_dir = numeric
    path = tmp_path / "part-0.csv"
    frame.iloc[:40].assign(label=0).to_csv(path, index=False)
    with open(path, "a") as handle:
        handle.write("1,2,3\n")  # too few fields: line 42
        handle.write("\n")  # a blank line is not a row: line 43
        handle.write("1,x,3,4,0\n")  # not a number: line 44
    keras_out = anomaly_scores(detector.model_, frame.iloc[:40].to_numpy(np.float32))
    expected = {
        (str(path), line): (float(s), float(k))
        for line, s, k in zip(range(2, 42), keras_out["score"].numpy(), keras_out["kl"].numpy())
    }
    pipeline, outputs = _run(version_dir, str(tmp_path / "part-*.csv"))
    scores = outputs["scores"] | beam.Map(lambda r: ((r["file"], r["line"]), r["score"], r["kl"]))
    assert_that(scores, _scores_match(expected))
    dead = outputs["dead_letter"] | beam.Map(lambda r: (r["line"], r["reason"].split(":")[0]))
    assert_that(
        dead, equal_to([(42, "expected 5 fields, found 3"), (44, "column 'b'")]), label="dead"
    )
    # Nothing lost: every data line is either scored or a dead letter.
    keys = (
        outputs["scores"] | "score keys" >> beam.Map(lambda r: r["line"]),
        outputs["dead_letter"] | "dead keys" >> beam.Map(lambda r: r["line"]),
    ) | beam.Flatten()
    assert_that(keys, equal_to(list(range(2, 43)) + [44]), label="all rows")
    pipeline.run().wait_until_finish()


def test_raw_column_model_is_scored_through_score_raw(tmp_path):
    frame = mixed_frame(200)
    detector = TabularVAEDetector(epochs=1, hidden_units=(8,), latent_dim=2, batch_size=64).fit(
        frame
    )
    version_dir = export_model(
        detector, tmp_path / "ex", name="raw", formats="savedmodel"
    ).version_dir
    part = frame.iloc[:30].reset_index(drop=True).assign(id=[f"r{i}" for i in range(30)])
    part.to_parquet(tmp_path / "rows.parquet")
    handler = ExportModelHandler(version_dir)
    assert handler.inputs.raw
    keras_out = anomaly_scores(
        detector.model_, to_columns(part.drop(columns="id"), detector.preprocessor_)
    )
    expected = {
        (f"r{i}",): (float(s), float(k))
        for i, (s, k) in enumerate(zip(keras_out["score"].numpy(), keras_out["kl"].numpy()))
    }
    pipeline = TestPipeline()
    outputs = (
        pipeline
        | beam.Create([str(tmp_path / "rows.parquet")])
        | ScoreTables(handler, key_column="id")
    )
    assert_that(
        outputs["scores"] | beam.Map(lambda r: ((r["id"],), r["score"], r["kl"])),
        _scores_match(expected),
    )
    pipeline.run().wait_until_finish()


def test_beam_score_command_counts_rows_and_refuses_to_overwrite(tmp_path, numeric, capsys):
    frame, _, version_dir = numeric
    frame.iloc[:30].to_csv(tmp_path / "in-0.csv", index=False)
    (tmp_path / "in-1.csv").write_text("a,b,c,d\n1,2,3,4\n5,6\n")
    args = [
        "beam-score",
        "--model",
        version_dir,
        "--input",
        str(tmp_path / "in-*.csv"),
        "--output",
        str(tmp_path / "out" / "run"),
        "--format",
        "csv",
        "--feature-errors",
        "--runner=DirectRunner",
    ]
    assert main(args) == 1  # one row went to the dead letter
    captured = capsys.readouterr()
    assert (
        '"rows": 32' in captured.out
        and '"scored": 31' in captured.out
        and '"dead_letter": 1' in captured.out
    )
    scores = pd.concat(pd.read_csv(p) for p in sorted((tmp_path / "out").glob("run-scores-*.csv")))
    assert len(scores) == 31 and "feature_error:d" in scores.columns
    dead = pd.concat(
        pd.read_csv(p) for p in sorted((tmp_path / "out").glob("run-dead_letter-*.csv"))
    )
    assert dead[["line", "reason"]].values.tolist() == [[3, "expected 4 fields, found 2"]]
    assert main(args) == 2 and "--overwrite" in capsys.readouterr().err
    assert main(args[:-1] + ["--runner=DirectRunner", "--no_such_option=1"]) == 2
    assert "no_such_option" in capsys.readouterr().err

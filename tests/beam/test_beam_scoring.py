import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

beam = pytest.importorskip("apache_beam")

from apache_beam.testing.util import assert_that, equal_to  # noqa: E402
from beam_helpers import score_tables  # noqa: E402
from table_helpers import mixed_frame  # noqa: E402

from tfvae import anomaly_scores  # noqa: E402
from tfvae.commands.main import main  # noqa: E402
from tfvae.preprocessing import to_columns  # noqa: E402


def _close_to(expected, key):
    """A matcher: every row's `score` equals `expected[key(row)]` within 1e-5, all keys once."""

    def check(rows):
        assert sorted(key(row) for row in rows) == sorted(expected)
        for row in rows:
            np.testing.assert_allclose(row["score"], expected[key(row)], rtol=1e-5, atol=1e-5)

    return check


def test_blocks_keep_keys_aligned_over_two_shuffled_files(tmp_path, numeric):
    frame, scores, version_dir = numeric
    order = np.random.default_rng(3).permutation(len(frame))
    shuffled = frame.iloc[order].assign(id=[f"r{i}" for i in order])
    shuffled.iloc[:120].to_csv(tmp_path / "part-0.csv", index=False)
    shuffled.iloc[120:].to_csv(tmp_path / "part-1.csv", index=False)
    pattern = [str(tmp_path / "part-*.csv")]
    by_id = {f"r{i}": score for i, score in enumerate(scores)}
    by_line = {
        (str(tmp_path / f"part-{i // 120}.csv"), i % 120 + 2): scores[row]
        for i, row in enumerate(order)
    }
    # Blocks of ~300 bytes (a dozen rows), spread over the workers in any order.
    pipeline, rows, dead = score_tables(pattern, version_dir, key_column="id", block_bytes=300)
    assert_that(rows, _close_to(by_id, lambda row: row["id"]))
    assert_that(dead, equal_to([]), label="no dead letters")
    lines = pipeline | "again" >> beam.Create(pattern)
    from tfvae.beam import ExportModelHandler, ScoreTables

    keyed = lines | "by line" >> ScoreTables(ExportModelHandler(version_dir), block_bytes=300)
    flat = keyed["scores"] | "line rows" >> beam.FlatMap(lambda table: table.to_pylist())
    assert_that(flat, _close_to(by_line, lambda row: (row["file"], row["line"])), label="lines")
    pipeline.run().wait_until_finish()


def test_raw_column_model_is_scored_through_score_raw(tmp_path):
    from tfvae.detectors import TabularVAEDetector
    from tfvae.export import export_model

    frame = mixed_frame(200)
    detector = TabularVAEDetector(epochs=1, hidden_units=(8,), latent_dim=2, batch_size=64)
    detector.fit(frame)
    version_dir = export_model(detector, tmp_path / "ex", name="raw", formats="savedmodel")
    part = frame.iloc[:30].reset_index(drop=True).assign(id=[f"r{i}" for i in range(30)])
    part.to_parquet(tmp_path / "rows.parquet")
    columns = to_columns(part.drop(columns="id"), detector.preprocessor_)
    scores = anomaly_scores(detector.model_, columns)["score"].numpy()
    expected = {f"r{i}": score for i, score in enumerate(scores)}
    pipeline, rows, _ = score_tables(
        [str(tmp_path / "rows.parquet")], str(version_dir.version_dir), key_column="id"
    )
    assert_that(rows, _close_to(expected, lambda row: row["id"]))
    pipeline.run().wait_until_finish()


def test_beam_score_counts_rows_stays_quiet_and_refuses_to_overwrite(tmp_path, numeric, capfd):
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
        "--direct_num_workers=2",
    ]
    # A fresh process, as a user runs it: TensorFlow and Beam start up in it.
    command = [sys.executable, "-m", "tfvae", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stderr[-3000:]  # one row went to the dead letter
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["scored"], summary["dead_letter"]) == (32, 31, 1)
    # Quiet: Beam's and TensorFlow's messages went to the log the summary names.
    assert result.stderr.splitlines() == [
        "tfvae beam-score: 1 bad row(s) and 0 unreadable file(s) were not scored; they are "
        "in the dead_letter output with file, line and reason."
    ]
    assert summary["log"] is None or open(summary["log"]).read()
    scores = pd.concat(pd.read_csv(p) for p in sorted((tmp_path / "out").glob("run-scores-*.csv")))
    assert len(scores) == 31 and "feature_error:d" in scores.columns
    dead = pd.concat(
        pd.read_csv(p) for p in sorted((tmp_path / "out").glob("run-dead_letter-*.csv"))
    )
    assert dead[["line", "reason"]].values.tolist() == [[3, "expected 4 fields, found 2"]]
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []
    assert main(args) == 2 and "--overwrite" in capfd.readouterr().err
    assert main(args + ["--overwrite", "--no_such_option=1"]) == 2
    assert "no_such_option" in capfd.readouterr().err

import shutil

import pytest

pytest.importorskip("apache_beam")

from tfvae.beam import ExportModelHandler  # noqa: E402
from tfvae.beam import pipeline as beam_pipeline  # noqa: E402
from tfvae.commands.main import main  # noqa: E402


def _no_job(*args, **kwargs):
    raise AssertionError("the pipeline was built")


@pytest.mark.parametrize(
    "breakage, message",
    [
        ("no variables", "Cannot load the SavedModel"),
        ("no model", "No metadata.json in"),
        ("no input", "No file matches"),
        ("wrong table", "missing column(s) ['b', 'c', 'd']"),
    ],
)
def test_a_broken_export_or_input_fails_in_one_line_before_the_job(
    tmp_path, numeric, capfd, monkeypatch, breakage, message
):
    frame, _, version_dir = numeric
    frame.to_csv(tmp_path / "in.csv", index=False)
    model = tmp_path / "export"
    shutil.copytree(version_dir, model)
    if breakage == "no variables":
        shutil.rmtree(model / "variables")
    model = tmp_path / "nowhere" if breakage == "no model" else model
    pattern = tmp_path / ("none-*.csv" if breakage == "no input" else "in.csv")
    if breakage == "wrong table":
        frame.rename(columns={"b": "x", "c": "y", "d": "z"}).to_csv(pattern, index=False)
    monkeypatch.setattr(beam_pipeline, "build_pipeline", _no_job)
    args = ["--model", str(model), "--input", str(pattern), "--output", str(tmp_path / "o")]
    assert main(["beam-score", *args]) == 2
    err = capfd.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("tfvae beam-score: error: ") and message in err[0]


def test_a_hostile_header_is_quoted_escaped_and_cut(tmp_path, numeric, monkeypatch):
    frame, _, version_dir = numeric
    hostile = "\x1b]0;PWNED\x07" + "x" * 100_000
    frame.assign(**{hostile: 1}).to_csv(tmp_path / "in.csv", index=False)
    monkeypatch.setattr(beam_pipeline, "build_pipeline", _no_job)
    with pytest.raises(ValueError) as refused:
        beam_pipeline.score_files(
            version_dir, str(tmp_path / "in.csv"), str(tmp_path / "o"), key_column="id"
        )
    message = str(refused.value)
    assert "has no id column 'id'" in message and "\\x1b]0;PWNED\\x07" in message
    assert "\x1b" not in message and len(message) < 1000


def _build(numeric, tmp_path, args):
    frame, _, version_dir = numeric
    frame.to_csv(tmp_path / "in.csv", index=False)
    handler = ExportModelHandler(version_dir).check()
    options = beam_pipeline.pipeline_options(args)
    staging = tmp_path / "staging"
    staging.mkdir()
    files = [str(tmp_path / "in.csv")]
    return beam_pipeline.build_pipeline(options, files, handler, str(staging / "run"), "parquet")


@pytest.mark.slow
def test_the_pipeline_runs_on_two_worker_processes(tmp_path, numeric):
    args = ["--runner=DirectRunner", "--direct_running_mode=multi_processing"]
    pipeline = _build(numeric, tmp_path, args + ["--direct_num_workers=2"])
    result = pipeline.run()
    result.wait_until_finish()
    counts = beam_pipeline._counters(result)
    assert counts["rows_read"] == counts["scored"] == 200
    assert sorted(p.name for p in (tmp_path / "staging").glob("run-scores-*.parquet"))


def test_the_pipeline_builds_with_the_options_of_a_dataflow_job(tmp_path, numeric):
    args = [
        "--runner=DataflowRunner",
        "--project=my-project",
        "--region=europe-west1",
        "--temp_location=gs://my-bucket/tmp",
        "--sdk_container_image=europe-docker.pkg.dev/my-project/tfvae/beam:1",
        "--experiments=use_runner_v2",
    ]
    pipeline = _build(numeric, tmp_path, args)
    assert type(pipeline.runner).__name__ == "DataflowRunner"
    # What the runner would submit: every transform and DoFn serialises.
    proto = pipeline.to_runner_api()
    names = {t.unique_name for t in proto.components.transforms.values()}
    assert {"ScoreTables/ReadBlocks/Parse", "ScoreTables/Score"} <= names

import os

import pytest

pytest.importorskip("apache_beam")

from tfvae.beam import output_files  # noqa: E402
from tfvae.beam.pipeline import score_files  # noqa: E402
from tfvae.commands.main import main  # noqa: E402


def _others(folder):
    """Files another run (and the user) left in `folder`, with their contents."""
    names = [
        "base-scores-00000-of-00001.parquet",  # another run, prefix runs/base
        "a-scores-x-scores-00000-of-00001.parquet",  # prefix runs/a-scores-x: Beam's glob
        "ab-scores-00000-of-00001.parquet",  # runs/a-scores-* matched it
        "a-notes.txt",
    ]
    folder.mkdir()
    for name in names:
        (folder / name).write_text(f"kept: {name}")
    return {name: f"kept: {name}" for name in names}


def _beam_score(numeric, tmp_path, output, *extra):
    frame, _, version_dir = numeric
    frame.iloc[:20].to_csv(tmp_path / "in.csv", index=False)
    args = ["--model", version_dir, "--input", str(tmp_path / "in.csv"), "--output", output]
    return main(["beam-score", *args, *extra])


@pytest.mark.parametrize("prefix", ["*", "base[1]", "b?se", "{a,b}"])
def test_a_glob_character_in_the_prefix_is_refused_next_to_another_run(
    tmp_path, numeric, capfd, prefix
):
    kept = _others(tmp_path / "runs")
    assert _beam_score(numeric, tmp_path, str(tmp_path / "runs" / prefix), "--overwrite") == 2
    assert "glob characters" in capfd.readouterr().err
    assert {p.name: p.read_text() for p in (tmp_path / "runs").iterdir()} == kept


def test_overwrite_replaces_only_this_prefix_and_scheme(tmp_path, numeric):
    kept = _others(tmp_path / "runs")
    old = ["a-scores-00000-of-00003.parquet", "a-dead_letter-00002-of-00003.parquet"]
    for name in old:
        (tmp_path / "runs" / name).write_text("an older run of this prefix")
    assert _beam_score(numeric, tmp_path, str(tmp_path / "runs" / "a")) == 2  # no --overwrite
    assert _beam_score(numeric, tmp_path, str(tmp_path / "runs" / "a"), "--overwrite") == 0
    found = {p.name: p for p in (tmp_path / "runs").iterdir()}
    assert {name: found[name].read_text() for name in kept} == kept
    assert not set(old) & set(found)
    assert sorted(set(found) - set(kept)) == [
        "a-dead_letter-00000-of-00001.parquet",
        "a-scores-00000-of-00001.parquet",
    ]


def _write_shards(staged, text):
    for shard in ("00000", "00001"):
        with open(f"{staged.prefix}-scores-{shard}-of-00002.csv", "w") as f:
            f.write(text)


@pytest.mark.parametrize("store", [False, True], ids=["local", "object store"])
def test_publishing_never_replaces_a_file_that_appeared_during_the_job(
    tmp_path, monkeypatch, store
):
    if store:  # the code path of gs:// (check, then rename), run on local files
        monkeypatch.setattr(output_files, "_is_local", lambda path: False)

    def names():  # a local file system does not take a store's folder delete (`path/`)
        return sorted(p.name for p in tmp_path.iterdir() if not (store and p.name[0] == "."))

    prefix = str(tmp_path / "run")
    with pytest.raises(FileExistsError, match="appeared while"):
        with output_files.staged(prefix, "csv") as staged:
            _write_shards(staged, "new")
            (tmp_path / "run-scores-00001-of-00002.csv").write_text("someone else's")
    # The shard published before the clash is taken back; the staging folder is gone.
    assert names() == ["run-scores-00001-of-00002.csv"]
    assert (tmp_path / "run-scores-00001-of-00002.csv").read_text() == "someone else's"
    with output_files.staged(prefix, "csv", overwrite=True) as staged:
        _write_shards(staged, "new")
        (tmp_path / "run-scores-00000-of-00003.csv").write_text("an older run of this prefix")
    assert staged.outputs == [f"{prefix}-scores-0000{i}-of-00002.csv" for i in (0, 1)]
    assert [open(p).read() for p in staged.outputs] == ["new", "new"]
    assert names() == [os.path.basename(p) for p in staged.outputs]


def test_only_shards_are_published(tmp_path, monkeypatch):
    """Whatever else is left in the staging folder (a Beam sink's temporary folder it could
    not delete) stays out of the user's folder."""
    monkeypatch.chdir(tmp_path)
    with output_files.staged("run", "csv", overwrite=True) as staged:
        _write_shards(staged, "new")
        leftover = os.path.join(os.path.dirname(staged.prefix), "beam-temp-run-1234")
        os.mkdir(leftover)
        open(os.path.join(leftover, "part"), "w").close()
    assert staged.outputs == ["run-scores-00000-of-00002.csv", "run-scores-00001-of-00002.csv"]
    assert sorted(os.listdir(tmp_path)) == staged.outputs


def test_a_failed_job_leaves_no_staging_folder_and_no_outputs(tmp_path, numeric, monkeypatch):
    frame, _, version_dir = numeric
    frame.to_csv(tmp_path / "in.csv", index=False)
    from tfvae.beam.export_model_handler import ExportModelHandler

    def broken(self, batch, model, inference_args=None):
        raise RuntimeError("a bug in the workers")

    monkeypatch.setattr(ExportModelHandler, "run_inference", broken)
    (tmp_path / "out").mkdir()
    with pytest.raises(Exception, match="a bug in the workers"):
        score_files(version_dir, str(tmp_path / "in.csv"), str(tmp_path / "out" / "run"))
    assert list((tmp_path / "out").iterdir()) == []


def test_blocks_lost_on_the_way_fail_the_job_and_publish_nothing(tmp_path, numeric, monkeypatch):
    frame, _, version_dir = numeric
    frame.to_csv(tmp_path / "in.csv", index=False)
    from tfvae.beam import read_blocks

    process = read_blocks._ParseBlock.process

    def lossy(self, element):
        if element[2] != 2:  # drops the file's first block, as a faulty runner could
            yield from process(self, element)

    monkeypatch.setattr(read_blocks._ParseBlock, "process", lossy)
    (tmp_path / "out").mkdir()
    with pytest.raises(RuntimeError, match="Blocks were lost between reading and parsing"):
        score_files(
            version_dir, str(tmp_path / "in.csv"), str(tmp_path / "out" / "run"), block_bytes=512
        )
    assert list((tmp_path / "out").iterdir()) == []

"""The publishing rule (issue #22): no command writes over a path it did not create in this
run unless `--overwrite`, checked again when publishing, and a failed run leaves nothing."""

import concurrent.futures
import os
import threading

import pytest

from reliability.fault_helpers import snapshot
from tfvae import atomic
from tfvae.commands.main import main


@pytest.mark.parametrize("renameat2", [True, False], ids=["renameat2", "link-fallback"])
def test_racing_publishers_one_wins_the_others_are_told(tmp_path, monkeypatch, renameat2):
    if not renameat2:
        monkeypatch.setattr(atomic, "_renameat2", lambda: None)
    target = tmp_path / "scores.csv"
    barrier = threading.Barrier(8)

    def publish(index):
        tmp = tmp_path / f"tmp{index}"
        tmp.write_text(str(index))
        barrier.wait(timeout=10)
        try:
            atomic.publish(str(tmp), str(target))
            return index
        except FileExistsError as error:
            assert str(target) in str(error)
            return None

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        winners = [i for i in pool.map(publish, range(8)) if i is not None]
    assert len(winners) == 1 and target.read_text() == str(winners[0])
    folder = tmp_path / "version"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "saved_model.pb").write_text("b")
    atomic.rename_no_replace(tmp_path / "b", folder)
    with pytest.raises(FileExistsError, match="version"):
        atomic.rename_no_replace(tmp_path / "a", folder)  # os.rename would take an empty one
    assert (folder / "saved_model.pb").read_text() == "b"


def _make_output_appear(monkeypatch, module, name, path, text="mine\n"):
    """Wraps `module.name` so that `path` is created (by "someone else") when it runs."""
    original = getattr(module, name)

    def wrapped(*args, **kwargs):
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def test_score_keeps_an_output_that_appears_while_it_scores(
    numeric_model, tmp_path, monkeypatch, capsys
):
    from tfvae.scoring import tables as table_scoring

    model, frame = numeric_model
    frame.to_csv(tmp_path / "rows.csv", index=False)
    output = tmp_path / "scores.csv"
    _make_output_appear(monkeypatch, table_scoring, "iter_table_batches", str(output))
    assert main(["score", model, str(tmp_path / "rows.csv"), "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert str(output) in err and "not replacing it" in err
    assert output.read_text() == "mine\n"
    assert sorted(os.listdir(tmp_path)) == ["rows.csv", "scores.csv"]  # no temporary left


def test_two_score_runs_racing_to_one_output_publish_once(numeric_model, tmp_path, monkeypatch):
    from tfvae.scoring import tables as table_scoring

    model, frame = numeric_model
    frame.to_csv(tmp_path / "rows.csv", index=False)
    output = str(tmp_path / "scores.csv")
    both_scoring = threading.Barrier(2)
    original = table_scoring.iter_table_batches

    def in_step(*args, **kwargs):
        both_scoring.wait(timeout=60)  # both runs passed the check at start
        yield from original(*args, **kwargs)

    monkeypatch.setattr(table_scoring, "iter_table_batches", in_step)

    def run(_):
        try:
            return table_scoring.score_table(model, str(tmp_path / "rows.csv"), output)["rows"]
        except FileExistsError as error:
            return str(error)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(2)))
    assert results.count(120) == 1, results  # one published its 120 rows
    refused = next(r for r in results if r != 120)
    assert output in refused and "not replacing it" in refused
    assert sum(1 for _ in open(output)) == 121


def _users_folder(tmp_path):
    """A folder of a user's own files with the names a run writes (the #22 report)."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "config.yaml").write_text("# my settings, with comments\ndata: {source: demo}\n")
    (folder / "model.keras").write_bytes(b"my model")
    (folder / "threshold.json").write_text('{"mine": 1}\n')
    (folder / "training_log.csv").write_text("epoch,mine\n")
    return folder


def test_train_never_writes_into_a_folder_of_the_users_files(train_config, tmp_path, capsys):
    folder = _users_folder(tmp_path)
    config = folder / "config.yaml"  # the run's own input config, in its --out
    config.write_text(train_config.read_text())
    before = snapshot(folder)
    for extra in ([], ["--overwrite"]):
        assert main(["train", "--config", str(config), "--out", str(folder), *extra]) == 2
        err = capsys.readouterr().err
        assert str(folder) in err and "not a tfvae run" in err
        assert snapshot(folder) == before
    assert sorted(os.listdir(tmp_path)) == ["config.json", "mine", "rows.npz"]


def test_a_failed_train_leaves_nothing_behind(train_config, tmp_path, monkeypatch, capsys):
    from tfvae.training import fit_loop

    original = fit_loop.fit

    def fit_then_fail(*args, **kwargs):
        original(*args, **kwargs)  # checkpoints/, logs/ and the backup are written
        raise RuntimeError("boom after training")

    monkeypatch.setattr(fit_loop, "fit", fit_then_fail)
    out = tmp_path / "runs" / "new"
    assert main(["train", "--config", str(train_config), "--out", str(out)]) == 3
    assert "boom after training" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()  # nor the parent it created

    def fail(*args, **kwargs):
        raise RuntimeError("boom before training")

    monkeypatch.setattr(fit_loop, "fit", fail)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["train", "--config", str(train_config), "--out", str(empty)]) == 3
    assert os.listdir(empty) == []  # the user's empty folder stays, empty


def test_train_refuses_a_folder_another_run_holds_or_that_appears(
    train_config, tmp_path, monkeypatch, capsys
):
    from tfvae.training import run_inputs as inputs

    out = tmp_path / "run"
    out.mkdir()
    lock = atomic.lock_folder(str(out), "a test")  # as a run that is training there
    try:
        assert main(["train", "--config", str(train_config), "--out", str(out)]) == 2
    finally:
        os.close(lock)
    err = capsys.readouterr().err
    assert str(out) in err and "being written by another" in err
    assert os.listdir(out) == []
    out.rmdir()
    notes = out / "notes.txt"
    _make_output_appear(monkeypatch, inputs, "load_inputs", str(notes))
    assert main(["train", "--config", str(train_config), "--out", str(out)]) == 2
    assert str(out) in capsys.readouterr().err
    assert os.listdir(out) == ["notes.txt"] and notes.read_text() == "mine\n"


def test_evaluate_publishes_nothing_when_a_report_appears_meanwhile(
    numeric_model, tmp_path, monkeypatch, capsys
):
    import importlib

    evaluate = importlib.import_module("tfvae.evaluation.evaluate")  # the module, not the function
    model, frame = numeric_model
    frame.to_csv(tmp_path / "rows.csv", index=False)
    out = tmp_path / "eval"
    _make_output_appear(monkeypatch, evaluate, "write_report", str(out / "report.md"))
    argv = ["evaluate", "--model", model, "--data", str(tmp_path / "rows.csv"), "--out", str(out)]
    assert main([*argv, "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert str(out / "report.md") in err
    assert os.listdir(out) == ["report.md"] and (out / "report.md").read_text() == "mine\n"


@pytest.mark.slow
def test_demo_publishes_nothing_when_its_metrics_appear_meanwhile(tmp_path, monkeypatch, capsys):
    import tfvae.export

    out = tmp_path / "demo"
    _make_output_appear(monkeypatch, tfvae.export, "export_model", str(out / "metrics.json"))
    assert main(["demo", "--out", str(out), "--epochs", "1"]) == 2
    assert str(out / "metrics.json") in capsys.readouterr().err
    # The export version and the other files this run made are gone again.
    assert os.listdir(out) == ["metrics.json"] and (out / "metrics.json").read_text() == "mine\n"


def test_export_never_replaces_a_version_that_appears_meanwhile(
    numeric_model, tmp_path, monkeypatch, capsys
):
    from tfvae.export import api

    model, _ = numeric_model
    version = tmp_path / "exports" / "model" / "1"
    _make_output_appear(monkeypatch, api, "_write_savedmodel", str(version / "saved_model.pb"))
    assert main(["export", "--model", model, "--out", str(tmp_path / "exports")]) == 2
    assert str(version) in capsys.readouterr().err
    assert os.listdir(version.parent) == ["1"] and os.listdir(version) == ["saved_model.pb"]

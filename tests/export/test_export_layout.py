"""Versioned, atomic publishing: `<base>/<name>/<int>/`, never overwritten, no half versions."""

import os
import signal
import subprocess
import sys

import pytest

from tfvae.export import layout


def test_next_free_version_ignores_temporary_and_other_entries(tmp_path):
    assert layout.resolve_version(tmp_path, "m") == (1, os.path.join(tmp_path, "m", "1"))
    for entry in ("1", "7", ".tmp-8-abc", "notes"):
        (tmp_path / "m" / entry).mkdir(parents=True)
    assert layout.resolve_version(tmp_path, "m")[0] == 8


def test_existing_version_and_bad_arguments_are_refused(tmp_path):
    (tmp_path / "m" / "3").mkdir(parents=True)
    with pytest.raises(FileExistsError, match="never overwritten"):
        layout.resolve_version(tmp_path, "m", 3)
    with pytest.raises(ValueError, match="positive int"):
        layout.resolve_version(tmp_path, "m", 0)
    with pytest.raises(ValueError, match="name"):
        layout.resolve_version(tmp_path, "../evil")


def test_publish_renames_a_complete_version_into_place(tmp_path):
    target = tmp_path / "m" / "1"
    with layout.publish(target) as tmp:
        assert not os.path.basename(tmp).isdigit()  # TF Serving only loads integer names
        assert not target.exists()
        (open(os.path.join(tmp, "saved_model.pb"), "w")).close()
    assert sorted(os.listdir(tmp_path / "m")) == ["1"]
    assert (target / "saved_model.pb").exists()


def test_interrupted_export_leaves_no_numbered_directory(tmp_path):
    target = tmp_path / "m" / "2"
    with pytest.raises(RuntimeError, match="interrupted"):
        with layout.publish(target) as tmp:
            (open(os.path.join(tmp, "half_written"), "w")).close()
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path / "m") == []


def test_version_appearing_during_export_is_not_replaced(tmp_path):
    target = tmp_path / "m" / "1"
    with pytest.raises(FileExistsError):
        with layout.publish(target):
            target.mkdir()  # another exporter won the race (an empty dir would be replaced by rename)
    assert os.listdir(target) == [] and sorted(os.listdir(tmp_path / "m")) == ["1"]


@pytest.mark.slow
def test_killed_export_leaves_no_numbered_directory(tmp_path):
    script = (
        "import sys, time\n"
        "from tfvae.export.layout import publish\n"
        "with publish(sys.argv[1]) as tmp:\n"
        "    open(tmp + '/saved_model.pb', 'w').close()\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(600)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "m" / "1")], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "writing"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert [e for e in os.listdir(tmp_path / "m") if e.isdigit()] == []
    assert layout.existing_versions(tmp_path / "m") == []

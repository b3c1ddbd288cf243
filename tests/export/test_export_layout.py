"""Versioned, atomic publishing: `<base>/<name>/<int>/`, never overwritten, no half versions."""

import os
import signal
import stat
import subprocess
import sys
import tempfile

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
    with pytest.raises(ValueError, match="an int in \\[1, 9223372036854775807\\]"):
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
    assert os.listdir(tmp_path) == []  # nor the model folder it created


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
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "m" / "1")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "writing"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert [e for e in os.listdir(tmp_path / "m") if e.isdigit()] == []
    assert layout.existing_versions(tmp_path / "m") == []


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_published_version_gets_the_umask_not_the_private_temp_mode(tmp_path, umask):
    previous = os.umask(umask)
    try:
        target = tmp_path / "m" / "1"
        with layout.publish(target) as tmp:
            os.makedirs(os.path.join(tmp, "variables"))
            fd, name = tempfile.mkstemp(dir=tmp)  # 0600, as a writer using mkstemp leaves it
            os.close(fd)
            open(os.path.join(tmp, "variables", "variables.index"), "w").close()
    finally:
        os.umask(previous)
    modes = {
        os.path.relpath(os.path.join(root, entry), target): stat.S_IMODE(
            os.stat(os.path.join(root, entry)).st_mode
        )
        for root, dirs, files in os.walk(target)
        for entry in dirs + files
    }
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o777 & ~umask
    assert modes["variables"] == 0o777 & ~umask
    assert modes[os.path.basename(name)] == 0o666 & ~umask
    assert modes[os.path.join("variables", "variables.index")] == 0o666 & ~umask

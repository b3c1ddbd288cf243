import json
import os
import stat

import pytest

from tfvae.atomic import atomic_path, write_json


def test_write_json_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "metrics.json"
    write_json(target, {"auroc": 0.9})
    write_json(target, {"auroc": 0.95})
    assert json.loads(target.read_text()) == {"auroc": 0.95}
    assert [p.name for p in target.parent.iterdir()] == ["metrics.json"]


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "model.keras"
    target.write_text("previous")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            assert tmp.endswith(".keras")  # writers such as Keras need the suffix
            open(tmp, "w").write("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


@pytest.fixture(params=[0o022, 0o027])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_published_files_get_the_umask_not_the_private_temp_mode(tmp_path, umask):
    # mkstemp makes 0600 files; what is published must be readable as `open` would make it.
    target = write_json(tmp_path / "metrics.json", {"auroc": 0.9})
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o666 & ~umask
    with atomic_path(tmp_path / "model.keras") as tmp:
        open(tmp, "w").write("weights")
    assert stat.S_IMODE(os.stat(tmp_path / "model.keras").st_mode) == 0o666 & ~umask

import json

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

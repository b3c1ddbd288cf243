import importlib.util
import json
import pathlib

from table_helpers import kdd_file

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "tfds_prepare.py"


def test_tfds_prepare_times_both_calls(tmp_path):
    spec = importlib.util.spec_from_file_location("tfds_prepare_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    manual = tmp_path / "manual"
    manual.mkdir()
    kdd_file(manual / "kddcup.data_10_percent.gz", ["normal."] * 10 + ["smurf."] * 4)
    argv = ["--manual-dir", str(manual), "--workdir", str(tmp_path / "w"), "--out", str(tmp_path)]
    assert module.main(argv) == 0
    report = json.loads((tmp_path / "tfds_prepare.json").read_text())
    assert report["test_rows"] == 4
    assert report["first_call_seconds"] > 0 and report["prepared_call_seconds"] > 0
    assert (
        "load_average_start" in report
        and "first (prepares" in (tmp_path / "tfds_prepare.md").read_text()
    )

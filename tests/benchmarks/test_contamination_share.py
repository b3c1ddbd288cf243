import importlib.util
import json
import pathlib

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "contamination_share.py"


def test_contamination_share_writes_both_rules(tmp_path):
    spec = importlib.util.spec_from_file_location("contamination_share_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--rows", "200", "--seeds", "0", "--out", str(tmp_path)]
    assert module.main(argv) == 0
    report = json.loads((tmp_path / "contamination_share.json").read_text())
    (run,) = report["runs"]
    assert report["rows"] == 200 and report["held_out_rows"] == 20
    assert abs(run["pyod_rule"] - 0.1) <= 0.005  # labels_ flags the contamination share
    assert 0 <= run["held_out_quantile"] <= 1
